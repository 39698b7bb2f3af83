//! The soak's verdict for one platform, from what was sent (the lives), what the sandbox
//! accepted, and when the soak killed that platform's processes. Pure: the tests below feed it
//! made-up records.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::{Accepted, OrderLife};

/// One platform's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    /// Targets the lives touch.
    pub targets: usize,
    /// Targets whose last accepted state is not the newest event's (or nothing arrived).
    pub lost: Vec<String>,
    /// The same facts accepted again for a target with no kill in between.
    pub double: Vec<String>,
    /// Units accepted again after a kill landed between the two acceptances: the documented
    /// window (killed after the platform accepted, before the ledger commit). Allowed, and
    /// reported with the kills that explain them; one kill can land after a call of many units.
    pub crash_window: usize,
    /// Kills that explain such a repeat.
    pub kills_in_window: usize,
    /// Targets that went back to a state older than one accepted before.
    pub regressions: Vec<String>,
    /// Accepted units no life asked for (a refused order's, or a state no event maps to).
    pub unexpected: Vec<String>,
}

impl Findings {
    pub fn passed(&self) -> bool {
        self.lost.is_empty()
            && self.double.is_empty()
            && self.regressions.is_empty()
            && self.unexpected.is_empty()
    }
}

/// `refused`: events (life, step) the platform itself refused (in the dead-letter queue with
/// reason `platform`, such as a status its state machine does not take yet because an older
/// event is still on its way): by the platform's own rules they do not count as the newest.
/// `kills`: for each kill of one of the platform's processes, how many units the sandbox had
/// accepted when it landed.
pub fn check(
    lives: &[OrderLife],
    refused: &HashSet<(usize, usize)>,
    accepted: &[Accepted],
    kills: &[usize],
) -> Findings {
    // Each (target, state) ranked by the newest event that leads to it; each target's newest
    // state.
    let mut rank: HashMap<(&str, &str), usize> = HashMap::new();
    let mut newest: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for (index, life) in lives.iter().enumerate() {
        if life.refused {
            continue;
        }
        for (step, event) in life.events.iter().enumerate() {
            for effect in &event.effects {
                let r = rank.entry((&effect.target, &effect.state)).or_insert(step);
                *r = (*r).max(step);
                if refused.contains(&(index, step)) {
                    continue;
                }
                let n = newest
                    .entry(&effect.target)
                    .or_insert((step, &effect.state));
                if step >= n.0 {
                    *n = (step, &effect.state);
                }
            }
        }
    }

    let mut findings = Findings {
        targets: newest.len(),
        ..Findings::default()
    };
    let mut last: HashMap<&str, &str> = HashMap::new();
    let mut highest: HashMap<&str, usize> = HashMap::new();
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    let mut window_kills: BTreeSet<usize> = BTreeSet::new();
    for (index, unit) in accepted.iter().enumerate() {
        let target = unit.target.as_str();
        let Some(&r) = rank.get(&(target, unit.state.as_str())) else {
            findings
                .unexpected
                .push(format!("{target}: {} ({})", unit.state, unit.facts));
            continue;
        };
        if let Some(&before) = seen.get(&(target, unit.facts.as_str())) {
            // Accepted before at `before`, again at `index`: a kill in between explains it. A
            // kill's count is read just before the signal, so a unit accepted in that moment
            // (at index `count`) counts as before the kill.
            let landed: Vec<usize> = kills
                .iter()
                .enumerate()
                .filter(|(_, count)| **count >= before && **count <= index)
                .map(|(kill, _)| kill)
                .collect();
            if landed.is_empty() {
                findings
                    .double
                    .push(format!("{target}: {} ({})", unit.state, unit.facts));
            } else {
                findings.crash_window += 1;
                window_kills.extend(landed);
            }
        }
        seen.insert((target, unit.facts.as_str()), index);
        let high = highest.entry(target).or_insert(r);
        if r < *high {
            findings
                .regressions
                .push(format!("{target}: {} after a newer state", unit.state));
        }
        *high = (*high).max(r);
        last.insert(target, &unit.state);
    }
    findings.kills_in_window = window_kills.len();
    for (target, (step, state)) in &newest {
        match last.get(target) {
            // The newest event's state, or a newer one's (a refused event that went through
            // on a later delivery).
            Some(got) if rank.get(&(*target, *got)).is_some_and(|r| r >= step) => {}
            Some(got) => findings
                .lost
                .push(format!("{target}: ends at {got}, not {state}")),
            None => findings
                .lost
                .push(format!("{target}: nothing arrived, wanted {state}")),
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soak::{Effect, LifeEvent};

    fn life(states: &[&str]) -> OrderLife {
        OrderLife {
            events: states
                .iter()
                .map(|state| LifeEvent {
                    message: serde_json::Value::Null,
                    effects: if state.is_empty() {
                        vec![]
                    } else {
                        vec![Effect::new("o1", *state)]
                    },
                })
                .collect(),
            refused: false,
        }
    }

    fn unit(state: &str) -> Accepted {
        Accepted {
            target: "o1".into(),
            state: state.into(),
            facts: state.into(),
        }
    }

    #[test]
    fn a_clean_run_passes() {
        let lives = [life(&["processing", "", "shipped"])];
        let findings = check(
            &lives,
            &HashSet::new(),
            &[unit("processing"), unit("shipped")],
            &[],
        );
        assert!(findings.passed(), "{findings:?}");
        assert_eq!(findings.targets, 1);
    }

    #[test]
    fn a_missing_newest_state_is_lost() {
        let lives = [life(&["processing", "shipped"])];
        let findings = check(&lives, &HashSet::new(), &[unit("processing")], &[]);
        assert_eq!(findings.lost.len(), 1, "{findings:?}");
        let findings = check(&lives, &HashSet::new(), &[], &[]);
        assert_eq!(findings.lost.len(), 1, "{findings:?}");
    }

    #[test]
    fn an_older_state_after_a_newer_one_is_a_regression_and_loses_the_newest() {
        let lives = [life(&["processing", "shipped"])];
        let findings = check(
            &lives,
            &HashSet::new(),
            &[unit("shipped"), unit("processing")],
            &[],
        );
        assert_eq!(findings.regressions.len(), 1, "{findings:?}");
        assert_eq!(findings.lost.len(), 1, "{findings:?}");
        // Sent late but never accepted (stale): fine.
        assert!(
            check(
                &lives,
                &HashSet::new(),
                &[unit("processing"), unit("shipped")],
                &[]
            )
            .passed()
        );
    }

    #[test]
    fn the_same_facts_twice_is_double_unless_a_kill_landed_between() {
        let lives = [life(&["processing", "shipped"])];
        let units = [unit("processing"), unit("processing"), unit("shipped")];
        let findings = check(&lives, &HashSet::new(), &units, &[]);
        assert_eq!(findings.double.len(), 1, "{findings:?}");
        assert!(!findings.passed());
        // A kill when one unit had been accepted: between the first (index 0) and the
        // second (index 1).
        let findings = check(&lives, &HashSet::new(), &units, &[1]);
        assert!(findings.double.is_empty(), "{findings:?}");
        assert_eq!((findings.crash_window, findings.kills_in_window), (1, 1));
        // A kill after the repeat explains nothing.
        let findings = check(&lives, &HashSet::new(), &units, &[2]);
        assert_eq!(findings.double.len(), 1, "{findings:?}");
    }

    #[test]
    fn a_newest_event_the_platform_refused_leaves_the_one_before_as_newest() {
        let lives = [life(&["processing", "shipped"])];
        let refused: HashSet<(usize, usize)> = [(0, 1)].into();
        assert!(check(&lives, &refused, &[unit("processing")], &[]).passed());
        // It may still go through on a later delivery.
        let units = [unit("processing"), unit("shipped")];
        assert!(check(&lives, &refused, &units, &[]).passed());
        assert_eq!(check(&lives, &refused, &[], &[]).lost.len(), 1);
    }

    #[test]
    fn a_refused_orders_unit_accepted_is_unexpected() {
        let mut refused = life(&["canceled"]);
        refused.refused = true;
        let findings = check(&[refused], &HashSet::new(), &[unit("canceled")], &[]);
        assert_eq!(findings.unexpected.len(), 1, "{findings:?}");
        assert_eq!(findings.targets, 0);
    }
}
