//! An in-memory inbox: conversations indexed the way the store indexes them, listed by plan
//! (newest activity first, keyset-paginated) without calling `visible` per row.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use crate::ids::{ConversationId, DepartmentId, UserId};
use crate::model::{Conversation, StatusClass};
use crate::plan::{AssigneeFilter, DeptSet, Plan, Term};

/// A listing position: activity time and id of the last conversation of the previous page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor {
    /// Last activity (any monotonic clock; larger is newer).
    pub last_activity: i64,
    /// Conversation id, to break ties.
    pub id: ConversationId,
}

/// An index entry: the sort key and the conversation it points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    key: Cursor,
    conversation: Conversation,
}

/// Conversations with the indexes a plan needs: by (class, department) and (class, assignee),
/// each bucket sorted newest first (the in-memory twin of the store's composite indexes).
#[derive(Clone, Debug, Default)]
pub struct Inbox {
    conversations: HashMap<ConversationId, (Conversation, i64)>,
    by_department: HashMap<(StatusClass, DepartmentId), Vec<Entry>>,
    by_assignee: HashMap<(StatusClass, UserId), Vec<Entry>>,
    by_class: [Vec<Entry>; 3],
}

fn newest_first(a: &Cursor, b: &Cursor) -> Ordering {
    b.cmp(a)
}

/// The head of one bucket in the merge: ordered by its key, newest on top of the heap.
struct Head<'a> {
    key: Cursor,
    term: &'a Term,
    rest: std::slice::Iter<'a, Entry>,
}

impl PartialEq for Head<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Head<'_> {}
impl PartialOrd for Head<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Head<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

impl Inbox {
    /// Builds an inbox from conversations with their last-activity times.
    pub fn new(items: impl IntoIterator<Item = (Conversation, i64)>) -> Inbox {
        let mut inbox = Inbox::default();
        for (c, at) in items {
            let entry = Entry {
                key: Cursor {
                    last_activity: at,
                    id: c.id,
                },
                conversation: c,
            };
            let k = c.status.class();
            inbox
                .by_department
                .entry((k, c.department))
                .or_default()
                .push(entry);
            if let Some(a) = c.assignee {
                inbox.by_assignee.entry((k, a)).or_default().push(entry);
            }
            if let Some(bucket) = inbox.by_class.get_mut(k.index()) {
                bucket.push(entry);
            }
            inbox.conversations.insert(c.id, (c, at));
        }
        for bucket in inbox
            .by_department
            .values_mut()
            .chain(inbox.by_assignee.values_mut())
            .chain(inbox.by_class.iter_mut())
        {
            bucket.sort_unstable_by(|a, b| newest_first(&a.key, &b.key));
        }
        inbox
    }

    /// A conversation by id.
    pub fn get(&self, id: ConversationId) -> Option<&Conversation> {
        self.conversations.get(&id).map(|(c, _)| c)
    }

    /// Every conversation with its activity time, in no order.
    pub fn iter(&self) -> impl Iterator<Item = (&Conversation, i64)> {
        self.conversations.values().map(|(c, at)| (c, *at))
    }

    /// Number of conversations.
    pub fn len(&self) -> usize {
        self.conversations.len()
    }

    /// Whether the inbox is empty.
    pub fn is_empty(&self) -> bool {
        self.conversations.is_empty()
    }

    /// The buckets a term reads, each sorted newest first.
    fn buckets<'a>(&'a self, t: &'a Term) -> Vec<&'a [Entry]> {
        match (&t.departments, t.assignee) {
            (_, AssigneeFilter::Is(u)) => self
                .by_assignee
                .get(&(t.class, u))
                .map(Vec::as_slice)
                .into_iter()
                .collect(),
            (DeptSet::Only(ds), _) => ds
                .iter()
                .filter_map(|d| self.by_department.get(&(t.class, *d)))
                .map(Vec::as_slice)
                .collect(),
            (DeptSet::Any, _) => self
                .by_class
                .get(t.class.index())
                .map(Vec::as_slice)
                .into_iter()
                .collect(),
        }
    }

    /// Up to `limit` conversations of the plan older than `after`, newest first: every bucket of
    /// every term is read in index order from the cursor on, and the heads are merged until the
    /// page is full (the in-memory twin of the store's `UNION ALL … ORDER BY … LIMIT`).
    pub fn list(&self, plan: &Plan, after: Option<Cursor>, limit: usize) -> Vec<Cursor> {
        let mut heap = BinaryHeap::new();
        for term in &plan.terms {
            for bucket in self.buckets(term) {
                let start = match after {
                    Some(cursor) => {
                        bucket.partition_point(|e| newest_first(&e.key, &cursor).is_le())
                    }
                    None => 0,
                };
                let mut rest = bucket.get(start..).unwrap_or_default().iter();
                if let Some(head) = next_match(&mut rest, term, plan) {
                    heap.push(Head {
                        key: head,
                        term,
                        rest,
                    });
                }
            }
        }
        let mut page = Vec::new();
        while page.len() < limit {
            let Some(mut head) = heap.pop() else { break };
            page.push(head.key);
            if let Some(key) = next_match(&mut head.rest, head.term, plan) {
                head.key = key;
                heap.push(head);
            }
        }
        page
    }

    /// Number of conversations the plan lists.
    pub fn count(&self, plan: &Plan) -> usize {
        plan.terms
            .iter()
            .map(|t| {
                self.buckets(t)
                    .into_iter()
                    .flatten()
                    .filter(|e| matches(e, t, plan))
                    .count()
            })
            .sum()
    }
}

fn matches(e: &Entry, term: &Term, plan: &Plan) -> bool {
    e.conversation.account == plan.account && term.matches(&e.conversation)
}

/// The key of the next entry of a bucket that the term accepts.
fn next_match(rest: &mut std::slice::Iter<'_, Entry>, term: &Term, plan: &Plan) -> Option<Cursor> {
    rest.find(|e| matches(e, term, plan)).map(|e| e.key)
}
