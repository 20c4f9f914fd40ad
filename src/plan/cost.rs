//! What applying a plan costs in requests, counted from the table of what each step sends
//! (`plan/requests.rs`) when nothing is retried and no other run creates the same rooms: the
//! writes a cloud portal's daily limit counts (POST and PUT; 10,000 a day per user,
//! `DailyWriteLimit` in DocSpace-server v3.7.2), the reads, and the deletes (which that limit
//! does not count). Shown in the plan's summary when it matters and always in its JSON.

use super::model::Plan;
use super::requests::{Request, Times, step_requests};
use crate::docspace::{DAILY_WRITE_LIMIT, WINDOW_LIMIT};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The requests an apply sends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requests {
    /// POST and PUT, what the daily limit counts: exactly these unless one is retried.
    pub writes: usize,
    /// GET: the reads back that prove a change (a member list a page per 100), the looks for
    /// another run's rooms and folders, and one poll per asynchronous operation (a slow
    /// operation takes more).
    pub reads: usize,
    /// DELETE: room deletes.
    pub deletes: usize,
}

impl Requests {
    /// Every request.
    pub(crate) fn total(&self) -> usize {
        self.writes + self.reads + self.deletes
    }

    fn add(&mut self, request: Request, times: usize) {
        match request.method {
            "POST" | "PUT" => self.writes += times,
            "DELETE" => self.deletes += times,
            _ => self.reads += times,
        }
    }
}

/// The requests applying `plan` sends.
pub fn requests(plan: &Plan) -> Requests {
    let mut requests = Requests::default();
    let mut once = BTreeSet::new();
    for (_, step) in plan.steps() {
        for sent in step_requests(&step.action) {
            match sent.times {
                Times::Each(times) => requests.add(sent.request, times),
                Times::OncePerRun if once.insert(sent.request) => requests.add(sent.request, 1),
                Times::PerMemberPage => requests.add(sent.request, member_pages(&step.action)),
                Times::OncePerRun | Times::IfNeeded => {}
            }
        }
    }
    requests
}

/// The pages of a member list read back after a member change.
fn member_pages(action: &super::model::Action) -> usize {
    match action {
        super::model::Action::SetMembers { members_after, .. } => {
            members_after.div_ceil(crate::docspace::MAX_PAGE_SIZE).max(1)
        }
        _ => 1,
    }
}

/// The summary line, with what applying sends when it matters: when it is more than a cloud
/// portal admits in a minute (1,500) or a tenth of its daily writes (1,000).
pub(crate) fn summary_line(plan: &Plan) -> String {
    let summary = plan.summary();
    let requests = requests(plan);
    let matters = requests.total() > WINDOW_LIMIT.limit as usize
        || requests.writes >= DAILY_WRITE_LIMIT.limit as usize / 10;
    if matters { format!("{summary} {}", describe(&requests)) } else { summary }
}

/// `Applying sends 1812 requests: 1605 writes (POST and PUT), 207 reads.`
fn describe(requests: &Requests) -> String {
    format!("Applying sends {} requests: {}.", requests.total(), requests.parts())
}

impl Requests {
    /// `1605 writes (POST and PUT), 207 reads` (and the deletes, when there are any).
    pub(crate) fn parts(&self) -> String {
        let mut parts =
            vec![format!("{} write{} (POST and PUT)", self.writes, plural(self.writes))];
        parts.push(format!("{} read{}", self.reads, plural(self.reads)));
        if self.deletes > 0 {
            parts.push(format!("{} delete{}", self.deletes, plural(self.deletes)));
        }
        parts.join(", ")
    }
}

fn plural(n: usize) -> &'static str {
    crate::text::plural(n)
}

/// The warning for a plan that sends more writes than a cloud portal allows in a day.
pub(crate) fn daily_limit_warning(requests: &Requests) -> Option<String> {
    (requests.writes > DAILY_WRITE_LIMIT.limit as usize).then(|| {
        format!(
            "applying sends {} writes (POST and PUT); a cloud portal allows {} a day per user: `apply` stops when the portal refuses them, says when its limit resets, and running `apply` again after that continues where it stopped",
            requests.writes, DAILY_WRITE_LIMIT.limit
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docspace::RoomType;
    use crate::plan::model::{Action, LinkChange, LinkFields, RoomPlan, Step, Target};

    fn room(steps: Vec<Action>) -> RoomPlan {
        let steps = steps.into_iter().map(|action| Step::new(action, "")).collect();
        RoomPlan::from_steps("R".into(), Target::Existing { id: 1 }, None, steps).unwrap()
    }

    fn plan(rooms: Vec<RoomPlan>) -> Plan {
        Plan {
            rooms,
            unmanaged: 0,
            portal_rooms: 1,
            fingerprints: Vec::new(),
            warnings: Vec::new(),
            adopted: None,
        }
    }

    fn link(primary: bool, link_id: Option<&str>) -> Action {
        let fields = LinkFields {
            title: "L".into(),
            access: 2,
            expires: None,
            password: None,
            deny_download: false,
            internal: false,
        };
        Action::SetLink {
            link: Box::new(LinkChange {
                name: "L".into(),
                primary,
                link_id: link_id.map(str::to_owned),
                before: None,
                after: fields,
                password_env: None,
                password_change: crate::plan::model::PasswordChange::None,
            }),
        }
    }

    #[test]
    fn each_action_costs_what_the_executor_sends() {
        let rename = || Action::Rename { before: "a".into(), after: "b".into() };
        let folder = Action::CreateFolder { path: vec!["A".into()], parent_id: None };
        let trash = Action::TrashFolder { path: vec!["B".into()], id: 9 };
        let members = Action::SetMembers { notify: false, changes: Vec::new(), members_after: 1 };
        let plan = plan(vec![
            room(vec![Action::Unarchive, rename(), folder, trash, members, Action::Archive]),
            room(vec![link(false, None), link(true, None), link(true, Some("id"))]),
            room(vec![Action::Archive, Action::Delete]),
        ]);
        let requests = requests(&plan);
        // Writes and reads: unarchive 1+2, rename 1, folder 1+2, trash 1+5, members 1+1,
        // archive 1+2; a new link 1+3 (the links read for another run's link of the name
        // before and after it is made), a primary link the room lacks 1+3, an update 1+2;
        // archive 1+2, delete 0+2 and 1 DELETE.
        assert_eq!(requests, Requests { writes: 10, reads: 24, deletes: 1 });
        assert_eq!(requests.total(), 35);
    }

    #[test]
    fn the_new_rooms_are_listed_once_before_the_first_create_and_once_after_each() {
        let create = |title: &str| {
            let action = Action::Create {
                title: title.into(),
                room_type: RoomType::Custom,
                tags: Vec::new(),
                settings: Box::default(),
            };
            RoomPlan::from_steps(title.into(), Target::New, None, vec![Step::new(action, "")])
                .unwrap()
        };
        assert_eq!(
            requests(&plan(vec![create("A")])),
            Requests { writes: 1, reads: 2, deletes: 0 }
        );
        let three = plan(vec![create("A"), create("B"), create("C")]);
        assert_eq!(requests(&three), Requests { writes: 3, reads: 4, deletes: 0 });
    }

    #[test]
    fn the_summary_says_what_applying_sends_only_when_it_matters() {
        let rename = || Action::Rename { before: "a".into(), after: "b".into() };
        let small = plan(vec![room(vec![rename()])]);
        assert_eq!(summary_line(&small), small.summary());
        // A tenth of a day's writes.
        let writes = plan((0..1_000).map(|_| room(vec![rename()])).collect());
        assert_eq!(
            summary_line(&writes),
            format!(
                "{} Applying sends 1000 requests: 1000 writes (POST and PUT), 0 reads.",
                writes.summary()
            )
        );
        // More than a minute's requests, fewer writes.
        let mut rooms: Vec<RoomPlan> = (0..600).map(|_| room(vec![Action::Archive])).collect();
        rooms.push(room(vec![Action::Delete]));
        let reads = plan(rooms);
        assert!(
            summary_line(&reads).ends_with(
                "Applying sends 1803 requests: 600 writes (POST and PUT), 1202 reads, 1 delete."
            ),
            "{}",
            summary_line(&reads)
        );
        assert_eq!(daily_limit_warning(&requests(&reads)), None);
    }

    #[test]
    fn more_writes_than_a_day_allows_warn_that_apply_stops_and_can_go_on() {
        let over = Requests { writes: 10_001, reads: 5, deletes: 0 };
        let warning = daily_limit_warning(&over).unwrap();
        assert!(warning.starts_with("applying sends 10001 writes (POST and PUT); a cloud portal allows 10000 a day per user"), "{warning}");
        assert!(warning.contains("running `apply` again after that continues where it stopped"));
        assert_eq!(daily_limit_warning(&Requests { writes: 10_000, ..over }), None);
    }
}
