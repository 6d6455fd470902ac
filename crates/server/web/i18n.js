// Every visible string of the page, in Portuguese (Brazil, the default) and English. The choice
// is remembered in localStorage; `t(key, params)` fills `{name}` placeholders.

const STORAGE_KEY = 'atende.lang';

const pt = {
  'app.name': 'Atende',
  'app.loading': 'Carregando…',
  'app.retry': 'Tentar de novo',
  'lang.label': 'Idioma',
  'lang.pt': 'Português',
  'lang.en': 'English',

  'login.title': 'Entrar no Atende',
  'login.subtitle': 'Atendimento ao cliente da sua equipe.',
  'login.email': 'E-mail',
  'login.password': 'Senha',
  'login.submit': 'Entrar',
  'login.busy': 'Entrando…',
  'login.failed': 'E-mail ou senha incorretos.',
  'login.throttled': 'Muitas tentativas. Tente novamente em {n} s.',

  'password.title': 'Troque sua senha',
  'password.explain': 'Sua senha é temporária. Escolha uma nova para continuar.',
  'password.current': 'Senha atual',
  'password.new': 'Nova senha',
  'password.confirm': 'Repita a nova senha',
  'password.hint': 'Ao menos 8 caracteres.',
  'password.submit': 'Trocar senha',
  'password.mismatch': 'As duas senhas novas não são iguais.',
  'password.short': 'A nova senha precisa de ao menos 8 caracteres.',
  'password.done': 'Senha trocada.',

  'header.logout': 'Sair',
  'header.availability': 'Disponibilidade',
  'header.online': 'Online',
  'header.away': 'Ausente',
  'header.user': 'Conectado como {name}',

  'tabs.label': 'Filas de conversas',
  'tab.mine': 'Meus',
  'tab.waiting': 'Aguardando',
  'tab.others': 'Outros',
  'tab.finished': 'Concluídos',
  'tab.my_finished': 'Meus finalizados',
  'tab.count': '{n} conversas',

  'filters.label': 'Filtros',
  'filters.search': 'Buscar contato',
  'filters.search_placeholder': 'Nome ou telefone',
  'filters.department': 'Departamento',
  'filters.all_departments': 'Todos',
  'filters.tag': 'Etiqueta',
  'filters.tag_placeholder': 'Qualquer etiqueta',

  'list.label': 'Conversas',
  'list.empty': 'Nenhuma conversa aqui.',
  'list.empty_filtered': 'Nenhuma conversa com esses filtros.',
  'list.more': 'Carregar mais',
  'list.loading': 'Carregando conversas…',
  'list.end': 'Fim da lista',
  'list.hidden': 'Detalhes ocultos',
  'list.no_contact': 'Sem contato',
  'list.updates': 'Atualizando…',

  'status.waiting': 'Aguardando',
  'status.in_progress': 'Em atendimento',
  'status.survey': 'Em pesquisa',
  'status.finished': 'Concluída',

  'channel.whatsapp': 'WhatsApp',
  'channel.api': 'API',
  'channel.generic': 'Integração',
  'channel.web': 'Web',

  'pane.label': 'Conversa',
  'pane.empty': 'Escolha uma conversa na lista.',
  'pane.back': 'Voltar à lista',
  'history.title': 'Histórico do cliente',
  'history.none': 'Nenhuma outra conversa deste cliente que você possa ver.',
  'history.profile': 'Ver perfil do contato',
  'pane.loading': 'Carregando conversa…',
  'pane.not_found': 'Conversa não encontrada ou sem acesso.',
  'pane.left_view': 'A conversa saiu da sua visão.',
  'pane.hidden_title': 'Detalhes ocultos',
  'pane.hidden_explain': 'O contato e as mensagens ficam ocultos até a conversa ser assumida.',
  'pane.assignee': 'Atendente',
  'pane.assignee_you': 'Com você',
  'pane.assignee_other': 'Com outro atendente (nº {id})',
  'pane.unassigned': 'Sem atendente',
  'pane.department': 'Departamento',
  'pane.status': 'Situação',
  'pane.channel': 'Canal',
  'pane.tags': 'Etiquetas',
  'pane.no_tags': 'Sem etiquetas',
  'composer.attach': 'Anexar arquivo',
  'composer.remove_file': 'Remover',
  'composer.uploading': 'Enviando o arquivo',
  'file.empty': 'O arquivo {name} está vazio.',
  'file.too_large': 'O arquivo {name} passa do limite do WhatsApp para {kind}: {limit} MB.',
  'voice.record': 'Gravar mensagem de voz',
  'voice.starting': 'Abrindo o microfone…',
  'voice.recording': 'Gravando mensagem de voz',
  'voice.recording_short': 'Gravando',
  'voice.elapsed': 'Tempo gravado',
  'voice.cancel': 'Cancelar',
  'voice.cancel_label': 'Cancelar a gravação',
  'voice.stop': 'Parar e enviar',
  'voice.stop_note': 'Parar e salvar nota',
  'voice.denied': 'O navegador não deu acesso ao microfone. Permita o microfone para este site e tente de novo.',
  'voice.no_mic': 'Nenhum microfone encontrado. Conecte um e tente de novo.',
  'voice.mic_busy': 'O microfone não respondeu: talvez outro programa o esteja usando.',
  'voice.unsupported': 'Este navegador não grava áudio nesta página (é preciso HTTPS).',
  'voice.failed': 'Não foi possível começar a gravar.',
  'voice.empty': 'A gravação ficou vazia: nada foi enviado.',
  'voice.too_long': 'A gravação chegou a 15 minutos e foi enviada.',
  'media.image': 'Foto',
  'media.sticker': 'Figurinha',
  'media.voice': 'Mensagem de voz',
  'media.audio': 'Áudio',
  'media.video': 'Vídeo',
  'media.document': 'Documento',
  'media.pending': 'baixando do WhatsApp…',
  'media.retrying': 'nova tentativa em instantes…',
  'media.failed': 'Não foi possível baixar: {kind}',
  'media.open': 'Ver em tamanho grande',
  'media.viewer': 'Foto em tamanho grande',
  'media.download': 'Baixar',
  'media.close': 'Fechar',
  'pane.messages': 'Mensagens',
  'pane.older': 'Mensagens anteriores',
  'pane.no_messages': 'Nenhuma mensagem ainda.',
  'pane.actions': 'Ações',

  'msg.in': 'Cliente',
  'msg.out': 'Resposta',
  'msg.note': 'Nota interna',
  'msg.you': 'você',
  'msg.quote_file': '(arquivo)',
  'msg.reaction': 'Reação do cliente',
  'msg.agent': 'atendente nº {id}',
  'delivery.pending': 'Enviando',
  'delivery.retrying': 'Enviando; a última tentativa falhou',
  'delivery.sent': 'Enviada',
  'delivery.delivered': 'Entregue',
  'delivery.read': 'Lida',
  'delivery.failed': 'Falhou',

  'action.assume': 'Assumir',
  'action.finish': 'Finalizar',
  'action.finish_in_survey': 'Finalizar com pesquisa',
  'action.reopen': 'Reabrir',
  'action.transfer': 'Transferir',
  'action.change_department': 'Mudar departamento',
  'action.link_contact': 'Vincular contato',
  'action.done.link_contact': 'Contato da conversa alterado.',
  'contact.search': 'Buscar contato (nome ou telefone)',
  'contact.find': 'Buscar',
  'contact.results': 'Contatos encontrados',
  'contact.none': 'Nenhum contato encontrado entre as conversas que você vê.',
  'contact.link_to': 'Vincular {name}',
  'contact.unlink': 'Desvincular o contato atual',
  'action.confirm': 'Confirmar',
  'action.cancel': 'Cancelar',
  'action.done.assume': 'Conversa assumida.',
  'action.done.finish': 'Conversa finalizada.',
  'action.done.finish_in_survey': 'Conversa enviada para a pesquisa.',
  'action.done.reopen': 'Conversa reaberta.',
  'action.done.transfer': 'Conversa transferida.',
  'action.done.change_department': 'Departamento alterado.',
  'transfer.label': 'Transferir para',
  'transfer.none': 'Ninguém disponível para receber esta conversa.',
  'transfer.choose': 'Escolha um atendente',
  'department.label': 'Novo departamento',
  'department.choose': 'Escolha um departamento',

  'tag.add': 'Adicionar',
  'tag.new': 'Etiquetar',
  'tag.remove': 'Remover etiqueta {tag}',

  'composer.label': 'Escrever',
  'composer.reply': 'Responder',
  'composer.note': 'Nota interna',
  'composer.reply_placeholder': 'Escreva a resposta ao cliente…',
  'composer.note_placeholder': 'Escreva uma nota visível só para a equipe…',
  'composer.send': 'Enviar',
  'composer.send_note': 'Salvar nota',
  'composer.hint': 'Ctrl+Enter envia',
  'composer.readonly': 'Você só pode ler esta conversa.',

  'template.title': 'Fora da janela de 24 horas',
  'template.explain': 'O cliente não escreve há mais de 24 horas: o WhatsApp só aceita um modelo aprovado.',
  'template.name': 'Nome do modelo',
  'template.language': 'Idioma do modelo',
  'template.parameters': 'Parâmetros (um por linha)',
  'template.send': 'Enviar modelo',
  'template.back': 'Voltar à resposta livre',

  'time.now': 'agora',

  'live.lost': 'Conexão ao vivo perdida. Reconectando…',
  'live.back': 'Conexão ao vivo restabelecida.',
  'session.ended': 'Sua sessão terminou. Entre de novo.',
};

const en = {
  'app.name': 'Atende',
  'app.loading': 'Loading…',
  'app.retry': 'Try again',
  'lang.label': 'Language',
  'lang.pt': 'Português',
  'lang.en': 'English',

  'login.title': 'Sign in to Atende',
  'login.subtitle': "Your team's customer service.",
  'login.email': 'Email',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.busy': 'Signing in…',
  'login.failed': 'Wrong email or password.',
  'login.throttled': 'Too many attempts. Try again in {n} s.',

  'password.title': 'Change your password',
  'password.explain': 'Your password is temporary. Choose a new one to continue.',
  'password.current': 'Current password',
  'password.new': 'New password',
  'password.confirm': 'Repeat the new password',
  'password.hint': 'At least 8 characters.',
  'password.submit': 'Change password',
  'password.mismatch': 'The two new passwords differ.',
  'password.short': 'The new password needs at least 8 characters.',
  'password.done': 'Password changed.',

  'header.logout': 'Sign out',
  'header.availability': 'Availability',
  'header.online': 'Online',
  'header.away': 'Away',
  'header.user': 'Signed in as {name}',

  'tabs.label': 'Conversation queues',
  'tab.mine': 'Mine',
  'tab.waiting': 'Waiting',
  'tab.others': 'Others',
  'tab.finished': 'Finished',
  'tab.my_finished': 'My finished',
  'tab.count': '{n} conversations',

  'filters.label': 'Filters',
  'filters.search': 'Search contact',
  'filters.search_placeholder': 'Name or phone',
  'filters.department': 'Department',
  'filters.all_departments': 'All',
  'filters.tag': 'Tag',
  'filters.tag_placeholder': 'Any tag',

  'list.label': 'Conversations',
  'list.empty': 'No conversations here.',
  'list.empty_filtered': 'No conversations match these filters.',
  'list.more': 'Load more',
  'list.loading': 'Loading conversations…',
  'list.end': 'End of list',
  'list.hidden': 'Details hidden',
  'list.no_contact': 'No contact',
  'list.updates': 'Updating…',

  'status.waiting': 'Waiting',
  'status.in_progress': 'In progress',
  'status.survey': 'In survey',
  'status.finished': 'Finished',

  'channel.whatsapp': 'WhatsApp',
  'channel.api': 'API',
  'channel.generic': 'Integration',
  'channel.web': 'Web',

  'pane.label': 'Conversation',
  'pane.empty': 'Pick a conversation from the list.',
  'pane.back': 'Back to the list',
  'history.title': 'Customer history',
  'history.none': 'No other conversation of this customer that you can see.',
  'history.profile': 'Open the contact\'s profile',
  'pane.loading': 'Loading conversation…',
  'pane.not_found': 'Conversation not found, or not yours to see.',
  'pane.left_view': 'The conversation left your view.',
  'pane.hidden_title': 'Details hidden',
  'pane.hidden_explain': 'The contact and the messages stay hidden until the conversation is assumed.',
  'pane.assignee': 'Assignee',
  'pane.assignee_you': 'With you',
  'pane.assignee_other': 'With another agent (#{id})',
  'pane.unassigned': 'Unassigned',
  'pane.department': 'Department',
  'pane.status': 'Status',
  'pane.channel': 'Channel',
  'pane.tags': 'Tags',
  'pane.no_tags': 'No tags',
  'composer.attach': 'Attach file',
  'composer.remove_file': 'Remove',
  'composer.uploading': 'Sending the file',
  'file.empty': 'The file {name} is empty.',
  'file.too_large': 'The file {name} is over WhatsApp\'s limit for {kind}: {limit} MB.',
  'voice.record': 'Record a voice message',
  'voice.starting': 'Opening the microphone…',
  'voice.recording': 'Recording a voice message',
  'voice.recording_short': 'Recording',
  'voice.elapsed': 'Time recorded',
  'voice.cancel': 'Cancel',
  'voice.cancel_label': 'Cancel the recording',
  'voice.stop': 'Stop and send',
  'voice.stop_note': 'Stop and save note',
  'voice.denied': 'The browser did not allow the microphone. Allow it for this site and try again.',
  'voice.no_mic': 'No microphone was found. Connect one and try again.',
  'voice.mic_busy': 'The microphone did not respond: another program may be using it.',
  'voice.unsupported': 'This browser cannot record audio on this page (it needs HTTPS).',
  'voice.failed': 'Recording could not start.',
  'voice.empty': 'The recording was empty: nothing was sent.',
  'voice.too_long': 'The recording reached 15 minutes and was sent.',
  'media.image': 'Photo',
  'media.sticker': 'Sticker',
  'media.voice': 'Voice message',
  'media.audio': 'Audio',
  'media.video': 'Video',
  'media.document': 'Document',
  'media.pending': 'downloading from WhatsApp…',
  'media.retrying': 'trying again shortly…',
  'media.failed': 'Could not download: {kind}',
  'media.open': 'View full size',
  'media.viewer': 'Full-size photo',
  'media.download': 'Download',
  'media.close': 'Close',
  'pane.messages': 'Messages',
  'pane.older': 'Older messages',
  'pane.no_messages': 'No messages yet.',
  'pane.actions': 'Actions',

  'msg.in': 'Customer',
  'msg.out': 'Reply',
  'msg.note': 'Internal note',
  'msg.you': 'you',
  'msg.quote_file': '(file)',
  'msg.reaction': 'Customer\'s reaction',
  'msg.agent': 'agent #{id}',
  'delivery.pending': 'Sending',
  'delivery.retrying': 'Sending; the last attempt failed',
  'delivery.sent': 'Sent',
  'delivery.delivered': 'Delivered',
  'delivery.read': 'Read',
  'delivery.failed': 'Failed',

  'action.assume': 'Assume',
  'action.finish': 'Finish',
  'action.finish_in_survey': 'Finish with survey',
  'action.reopen': 'Reopen',
  'action.transfer': 'Transfer',
  'action.change_department': 'Change department',
  'action.link_contact': 'Link contact',
  'action.done.link_contact': "The conversation's contact changed.",
  'contact.search': 'Find a contact (name or phone)',
  'contact.find': 'Find',
  'contact.results': 'Contacts found',
  'contact.none': 'No contact found among the conversations you see.',
  'contact.link_to': 'Link {name}',
  'contact.unlink': 'Unlink the current contact',
  'action.confirm': 'Confirm',
  'action.cancel': 'Cancel',
  'action.done.assume': 'Conversation assumed.',
  'action.done.finish': 'Conversation finished.',
  'action.done.finish_in_survey': 'Conversation sent to the survey.',
  'action.done.reopen': 'Conversation reopened.',
  'action.done.transfer': 'Conversation transferred.',
  'action.done.change_department': 'Department changed.',
  'transfer.label': 'Transfer to',
  'transfer.none': 'Nobody can take this conversation now.',
  'transfer.choose': 'Choose an agent',
  'department.label': 'New department',
  'department.choose': 'Choose a department',

  'tag.add': 'Add',
  'tag.new': 'Add a tag',
  'tag.remove': 'Remove tag {tag}',

  'composer.label': 'Write',
  'composer.reply': 'Reply',
  'composer.note': 'Internal note',
  'composer.reply_placeholder': 'Write the reply to the customer…',
  'composer.note_placeholder': 'Write a note only the team sees…',
  'composer.send': 'Send',
  'composer.send_note': 'Save note',
  'composer.hint': 'Ctrl+Enter sends',
  'composer.readonly': 'You may only read this conversation.',

  'template.title': 'Outside the 24-hour window',
  'template.explain': 'The customer has not written for over 24 hours: WhatsApp only accepts an approved template.',
  'template.name': 'Template name',
  'template.language': 'Template language',
  'template.parameters': 'Parameters (one per line)',
  'template.send': 'Send template',
  'template.back': 'Back to a free reply',

  'time.now': 'now',

  'live.lost': 'Live connection lost. Reconnecting…',
  'live.back': 'Live connection restored.',
  'session.ended': 'Your session ended. Sign in again.',
};

const DICTS = { 'pt-BR': pt, en };

/** Adds strings of another part of the page (administration) to both dictionaries. */
export function addStrings(morePt, moreEn) {
  Object.assign(pt, morePt);
  Object.assign(en, moreEn);
}

export const LANGUAGES = ['pt-BR', 'en'];

function initial() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && DICTS[saved]) return saved;
  } catch {
    // Storage disabled: the default.
  }
  return 'pt-BR';
}

let current = initial();
const listeners = new Set();

/** The current language (`pt-BR` or `en`). */
export function lang() {
  return current;
}

/** Switches the language, remembers it and tells the listeners. */
export function setLang(next) {
  if (!DICTS[next] || next === current) return;
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Not remembered: still switched for this page.
  }
  document.documentElement.lang = next;
  for (const fn of listeners) fn(next);
}

/** Calls `fn` after each language switch; returns a function that stops it. */
export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The text of `key` in the current language, `{name}` placeholders filled from `params`. */
export function t(key, params) {
  const text = DICTS[current][key] ?? pt[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** `t(key)` when the key exists, else `fallback`. */
export function tOr(key, fallback) {
  return key in DICTS[current] ? t(key) : fallback;
}

/** A time in µs since the epoch, relative to now ("há 5 minutos", "5 minutes ago"). */
export function relativeTime(micros, nowMs = Date.now()) {
  const seconds = Math.round((micros / 1000 - nowMs) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return t('time.now');
  const rtf = new Intl.RelativeTimeFormat(current, { numeric: 'auto', style: 'short' });
  const units = [
    ['year', 365 * 86400],
    ['month', 30 * 86400],
    ['week', 7 * 86400],
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
  ];
  for (const [unit, size] of units) {
    if (abs >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(Math.round(seconds / 60), 'minute');
}

/** A time in µs since the epoch as a full local date and time. */
export function fullTime(micros) {
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(micros / 1000),
  );
}

/** A time in µs since the epoch as a short time of day, with the date when not today. */
export function shortTime(micros) {
  const d = new Date(micros / 1000);
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  const opts = sameDay
    ? { hour: '2-digit', minute: '2-digit' }
    : { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' };
  return new Intl.DateTimeFormat(current, opts).format(d);
}

document.documentElement.lang = current;
