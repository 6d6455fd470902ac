//! An in-memory inbox: conversations indexed the way the store indexes them, listed by plan
//! (newest activity first, keyset-paginated) without calling `visible` per row.

use std::collections::HashMap;

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

/// Conversations with the indexes a plan needs: by (class, department) and (class, assignee),
/// each bucket sorted newest first.
#[derive(Clone, Debug, Default)]
pub struct Inbox {
    conversations: HashMap<ConversationId, (Conversation, i64)>,
    by_department: HashMap<(StatusClass, DepartmentId), Vec<Cursor>>,
    by_assignee: HashMap<(StatusClass, UserId), Vec<Cursor>>,
    by_class: [Vec<Cursor>; 3],
}

fn newest_first(a: &Cursor, b: &Cursor) -> std::cmp::Ordering {
    b.cmp(a)
}

impl Inbox {
    /// Builds an inbox from conversations with their last-activity times.
    pub fn new(items: impl IntoIterator<Item = (Conversation, i64)>) -> Inbox {
        let mut inbox = Inbox::default();
        for (c, at) in items {
            let key = Cursor {
                last_activity: at,
                id: c.id,
            };
            let k = c.status.class();
            inbox
                .by_department
                .entry((k, c.department))
                .or_default()
                .push(key);
            if let Some(a) = c.assignee {
                inbox.by_assignee.entry((k, a)).or_default().push(key);
            }
            if let Some(bucket) = inbox.by_class.get_mut(k.index()) {
                bucket.push(key);
            }
            inbox.conversations.insert(c.id, (c, at));
        }
        for bucket in inbox
            .by_department
            .values_mut()
            .chain(inbox.by_assignee.values_mut())
            .chain(inbox.by_class.iter_mut())
        {
            bucket.sort_unstable_by(newest_first);
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
    fn buckets<'a>(&'a self, t: &'a Term) -> Vec<&'a [Cursor]> {
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

    /// Up to `limit` conversations of the plan older than `after`, newest first: each term's
    /// buckets are read in index order and stop at `limit` matches, then the branches are merged
    /// (the in-memory twin of the store's `UNION ALL … ORDER BY … LIMIT`).
    pub fn list(&self, plan: &Plan, after: Option<Cursor>, limit: usize) -> Vec<Cursor> {
        let mut page: Vec<Cursor> = Vec::new();
        for term in &plan.terms {
            for bucket in self.buckets(term) {
                let start = match after {
                    Some(cursor) => bucket.partition_point(|k| newest_first(k, &cursor).is_le()),
                    None => 0,
                };
                let mut taken = 0;
                for key in bucket.iter().skip(start) {
                    if taken == limit {
                        break;
                    }
                    let Some((c, _)) = self.conversations.get(&key.id) else {
                        continue;
                    };
                    if c.account == plan.account && term.matches(c) {
                        page.push(*key);
                        taken += 1;
                    }
                }
            }
        }
        page.sort_unstable_by(newest_first);
        page.dedup();
        page.truncate(limit);
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
                    .filter(|k| {
                        self.conversations
                            .get(&k.id)
                            .is_some_and(|(c, _)| c.account == plan.account && t.matches(c))
                    })
                    .count()
            })
            .sum()
    }
}
