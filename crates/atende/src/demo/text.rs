//! The demo's words: a deterministic generator, the conversation scripts in Portuguese by topic,
//! tags, and the names and phone numbers of the demo's customers.

use super::*;

/// A small deterministic generator (xorshift64), seeded with a constant: the demo is the same on
/// every run.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new() -> Rng {
        Rng(0x9E37_79B9_7F4A_7C15)
    }

    pub(super) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    pub(super) fn below_i64(&mut self, n: i64) -> i64 {
        i64::try_from(self.below(n.unsigned_abs())).unwrap_or(0)
    }

    /// True `percent` times in a hundred.
    pub(super) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub(super) fn index(&mut self, len: usize) -> usize {
        usize::try_from(self.below(len as u64)).unwrap_or(0)
    }

    pub(super) fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        let i = self.index(items.len());
        items.get(i).copied()
    }

    pub(super) fn pick_ref<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let i = self.index(items.len());
        items.get(i)
    }

    pub(super) fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        self.pick(items).unwrap_or_default()
    }
}

/// What customers of a department write about.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Topic {
    General,
    Sales,
    Support,
    Billing,
    AfterSales,
}

impl Topic {
    /// (customer's first message, the agent's answer) pairs; `{pedido}` is an order number,
    /// `{nome}` the customer's first name.
    pub(super) fn lines(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Topic::General => &[
                (
                    "Olá, gostaria de saber o prazo de entrega do pedido {pedido}",
                    "Olá, {nome}! O pedido {pedido} saiu para entrega e chega em até 2 dias úteis.",
                ),
                (
                    "Bom dia! Qual o horário de funcionamento da loja física?",
                    "Bom dia, {nome}! Funcionamos de segunda a sábado, das 9h às 19h.",
                ),
                (
                    "Vocês entregam em Campinas?",
                    "Entregamos sim, {nome}! O frete para Campinas sai em até 3 dias úteis.",
                ),
            ],
            Topic::Sales => &[
                (
                    "Oi, vocês têm o tênis de corrida no tamanho 42 em estoque?",
                    "Oi, {nome}! Temos sim, nas cores preta e azul. Quer que eu separe um para você?",
                ),
                (
                    "Gostaria de um orçamento para 50 camisetas com a logo da minha empresa.",
                    "Claro, {nome}! Vou preparar o orçamento e te envio ainda hoje.",
                ),
                (
                    "Qual a forma de pagamento com desconto? Dá para parcelar no cartão?",
                    "No Pix você tem 5% de desconto, {nome}, e no cartão parcelamos em até 10x sem juros.",
                ),
                (
                    "Tem cupom de desconto para primeira compra?",
                    "Tem sim! Use o cupom BEMVINDO10 e ganhe 10% na primeira compra.",
                ),
            ],
            Topic::Support => &[
                (
                    "O site está dando erro na hora de pagar com Pix.",
                    "Sinto muito pelo transtorno, {nome}. Pode me enviar um print da mensagem de erro?",
                ),
                (
                    "Não consigo acessar minha conta, a senha não funciona.",
                    "Vou te ajudar, {nome}. Enviei um link para redefinir a senha no seu e-mail.",
                ),
                (
                    "O aplicativo fecha sozinho quando abro o carrinho.",
                    "Obrigado por avisar, {nome}. Já encaminhei para a equipe técnica; pode atualizar o aplicativo?",
                ),
                (
                    "Meu pedido {pedido} aparece como entregue, mas não recebi nada.",
                    "Vou abrir uma investigação com a transportadora agora mesmo, {nome}.",
                ),
            ],
            Topic::Billing => &[
                (
                    "Preciso da segunda via do boleto do pedido {pedido}.",
                    "Claro, {nome}! Acabei de enviar a segunda via para o seu e-mail.",
                ),
                (
                    "Ainda não recebi o reembolso do pedido {pedido}.",
                    "O estorno do pedido {pedido} foi solicitado e aparece na sua fatura em até 2 ciclos.",
                ),
                (
                    "Fui cobrado duas vezes no cartão pela mesma compra.",
                    "Peço desculpas, {nome}. Já identifiquei a cobrança duplicada e solicitei o cancelamento.",
                ),
                (
                    "Vocês emitem nota fiscal com CNPJ?",
                    "Emitimos sim, {nome}. Me envie o CNPJ e a razão social, por favor.",
                ),
            ],
            Topic::AfterSales => &[
                (
                    "Quero trocar o tamanho da camisa que comprei no pedido {pedido}.",
                    "Sem problemas, {nome}! Já gerei a etiqueta de troca e enviei para o seu e-mail.",
                ),
                (
                    "O produto do pedido {pedido} chegou com defeito.",
                    "Que pena, {nome}! Vamos enviar um novo sem custo; pode me mandar uma foto do defeito?",
                ),
                (
                    "Como faço para devolver um produto?",
                    "Você tem até 7 dias após o recebimento, {nome}. Vou te passar o passo a passo.",
                ),
            ],
        }
    }
}

/// The customer's messages after the first one.
pub(super) const FOLLOW_UPS: &[&str] = &[
    "Certo, fico no aguardo.",
    "Consegue me mandar o código de rastreio?",
    "Entendi. E quanto tempo demora?",
    "Perfeito, muito obrigado!",
    "Ok, vou verificar aqui e te retorno.",
    "Pode ser, pode seguir assim.",
    // A shared location, as the inbox shows one that arrives through WhatsApp (with its map).
    "[location] Minha casa, Rua das Flores, 120 (-3.7319, -38.5267) https://www.openstreetmap.org/?mlat=-3.7319&mlon=-38.5267#map=17/-3.7319/-38.5267",
];

/// What a waiting customer writes while nobody answers.
pub(super) const WAITING_FOLLOW_UPS: &[&str] = &[
    "Alguém pode me ajudar?",
    "Olá? Ainda estou aguardando.",
    "É urgente, por favor.",
];

/// The agent's messages after the first answer.
pub(super) const REPLIES: &[&str] = &[
    "Só um momento, estou verificando para você.",
    "Segue o código de rastreio: BR{pedido}553BR.",
    "Prontinho, {nome}! Já está tudo certo por aqui.",
    "Posso ajudar em algo mais?",
];

/// Internal notes, never sent to the customer.
pub(super) const NOTES: &[&str] = &[
    "Cliente já entrou em contato duas vezes sobre este pedido.",
    "Verificar com o financeiro antes de responder.",
    "Cliente antigo, tratar com prioridade.",
    "Aguardando retorno da transportadora.",
];

pub(super) const SURVEY_QUESTION: &str =
    "Antes de encerrar: de 1 a 5, como você avalia o nosso atendimento?";
pub(super) const CLOSING: &str = "Obrigado pelo contato, {nome}! Tenha um ótimo dia.";

/// The messages of one conversation, oldest first: 1 to 6 of them.
pub(super) fn script(
    rng: &mut Rng,
    topic: Topic,
    status: Status,
    assignee: Option<UserId>,
    order: u64,
    first_name: &str,
) -> Vec<(MessageKind, Option<UserId>, String)> {
    let fill = |s: &str| {
        s.replace("{pedido}", &order.to_string())
            .replace("{nome}", first_name)
    };
    let lines = topic.lines();
    let (opening, answer) = lines
        .get(rng.index(lines.len()))
        .copied()
        .unwrap_or(("Olá!", "Olá, {nome}! Como posso ajudar?"));
    let mut out = vec![(MessageKind::In, None, fill(opening))];
    let Some(agent) = assignee else {
        // Waiting: only the customer has written.
        for _ in 0..rng.below(3) {
            out.push((
                MessageKind::In,
                None,
                fill(rng.pick_str(WAITING_FOLLOW_UPS)),
            ));
        }
        return out;
    };
    // The conversation's end shows its status: survey and finished ones end with the agent's
    // survey question or goodbye.
    let closing = match status {
        Status::Survey => Some(SURVEY_QUESTION),
        Status::Finished => Some(CLOSING),
        Status::Waiting | Status::InProgress => None,
    };
    let n = match closing {
        Some(_) => 2 + rng.index(4),
        None => 1 + rng.index(6),
    };
    let mut agent_turn = true;
    let mut answered = false;
    while out.len() < n {
        if agent_turn {
            if answered && rng.chance(20) {
                out.push((MessageKind::Note, Some(agent), fill(rng.pick_str(NOTES))));
                continue;
            }
            let body = if answered {
                rng.pick_str(REPLIES)
            } else {
                answer
            };
            out.push((MessageKind::Out, Some(agent), fill(body)));
            answered = true;
        } else {
            out.push((MessageKind::In, None, fill(rng.pick_str(FOLLOW_UPS))));
        }
        agent_turn = !agent_turn;
    }
    if let Some(text) = closing {
        out.push((MessageKind::Out, Some(agent), fill(text)));
    }
    out
}

/// The company's tags with their colours (created by the demo's owner: agents attach them,
/// never create them).
pub(super) const COMPANY_TAGS: &[(&str, &str)] = &[
    ("vip", "purple"),
    ("urgente", "red"),
    ("reclamação", "orange"),
    ("orçamento", "green"),
];

/// The tags of one conversation (each one of [`COMPANY_TAGS`]).
pub(super) fn tags(rng: &mut Rng, spec: &DeptSpec) -> Vec<&'static str> {
    let mut tags = Vec::new();
    if spec.name == VIP || rng.chance(4) {
        tags.push("vip");
    }
    if rng.chance(15) {
        tags.push("urgente");
    }
    let complaint = match spec.topic {
        Topic::Support | Topic::AfterSales => 25,
        _ => 6,
    };
    if rng.chance(complaint) {
        tags.push("reclamação");
    }
    if spec.topic == Topic::Sales && rng.chance(30) {
        tags.push("orçamento");
    }
    tags
}

pub(super) const FIRST_NAMES: &[&str] = &[
    "João",
    "Maria",
    "José",
    "Ana",
    "Lucas",
    "Juliana",
    "Pedro",
    "Mariana",
    "Gabriel",
    "Fernanda",
    "Rafael",
    "Camila",
    "Matheus",
    "Letícia",
    "Thiago",
    "Beatriz",
    "Gustavo",
    "Larissa",
    "Felipe",
    "Patrícia",
    "Rodrigo",
    "Aline",
    "Vinícius",
    "Bruna",
    "Leonardo",
    "Tatiane",
    "Caio",
    "Renata",
];

pub(super) const SURNAMES: &[&str] = &[
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Rodrigues",
    "Ferreira",
    "Alves",
    "Pereira",
    "Lima",
    "Gomes",
    "Costa",
    "Ribeiro",
    "Martins",
    "Carvalho",
    "Araújo",
    "Melo",
    "Barbosa",
    "Cardoso",
    "Nascimento",
    "Conceição",
    "Moreira",
    "Teixeira",
    "Monteiro",
    "Azevedo",
];

/// Area codes (DDD) of Brazilian capitals and large cities.
pub(super) const AREA_CODES: &[&str] = &[
    "11", "21", "31", "41", "47", "51", "61", "62", "71", "81", "85", "91", "92", "19", "27",
];

/// `Letícia Araújo` → `leticia.araujo`.
pub(super) fn ascii_slug(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            ' ' => '.',
            other => other,
        })
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect()
}
