//! An in-process network: links that carry Ethernet frames between reference nodes and the
//! harness, and a virtual clock that jumps from one deadline to the next. A 420 s binding
//! lifetime runs in microseconds, and a run with the same seed is identical every time.
//!
//! The harness talks to a link through its tap: [`Sim::inject`] puts a frame on the link (every
//! node attached to it receives it), and [`Sim::take_frames`] returns the frames the nodes put on
//! it, with their virtual time.

use crate::node::{Event, Node};
use crate::time::Instant;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use std::collections::VecDeque;
use std::time::Duration;

/// Index of a link.
pub type LinkId = usize;
/// Index of a node.
pub type NodeId = usize;

/// A frame seen on a link's tap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TapFrame {
    pub at: Instant,
    /// The node and interface that sent it.
    pub from: (NodeId, usize),
    pub frame: Vec<u8>,
}

/// A node event with when and where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimEvent {
    pub at: Instant,
    pub node: NodeId,
    pub event: Event,
}

struct Delivery {
    at: Instant,
    seq: u64,
    link: LinkId,
    /// The sending port, which does not hear its own frame; `None` for harness injections.
    from: Option<(NodeId, usize)>,
    frame: Vec<u8>,
}

/// Why the simulation stopped making progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimError {
    /// A node kept asking to be woken at a time that had already been handled.
    Livelock { node: NodeId, at: Instant },
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimError::Livelock { node, at } => write!(
                f,
                "node {node} keeps asking for a timeout at {at} without making progress"
            ),
        }
    }
}

impl std::error::Error for SimError {}

/// The simulated network.
pub struct Sim {
    now: Instant,
    nodes: Vec<Box<dyn Node>>,
    /// (node, iface, link) for every attachment.
    ports: Vec<(NodeId, usize, LinkId)>,
    link_names: Vec<String>,
    taps: Vec<VecDeque<TapFrame>>,
    queue: Vec<Delivery>,
    seq: u64,
    latency: Duration,
    loss: f64,
    rng: ChaCha8Rng,
    events: VecDeque<SimEvent>,
}

/// How many times one node may be woken at the same instant before it counts as a livelock.
const MAX_WAKEUPS_PER_INSTANT: u32 = 10_000;

impl Sim {
    /// A network with no links; `seed` drives frame loss.
    pub fn new(seed: u64) -> Self {
        Sim {
            now: Instant::ZERO,
            nodes: Vec::new(),
            ports: Vec::new(),
            link_names: Vec::new(),
            taps: Vec::new(),
            queue: Vec::new(),
            seq: 0,
            latency: Duration::ZERO,
            loss: 0.0,
            rng: ChaCha8Rng::seed_from_u64(seed),
            events: VecDeque::new(),
        }
    }

    /// Propagation delay of every link (default zero).
    pub fn set_latency(&mut self, d: Duration) {
        self.latency = d;
    }

    /// Probability that a frame is lost, for frames sent by nodes (default 0).
    pub fn set_loss(&mut self, p: f64) {
        self.loss = p.clamp(0.0, 1.0);
    }

    pub fn add_link(&mut self, name: &str) -> LinkId {
        self.link_names.push(name.to_string());
        self.taps.push(VecDeque::new());
        self.link_names.len() - 1
    }

    pub fn link_id(&self, name: &str) -> Option<LinkId> {
        self.link_names.iter().position(|n| n == name)
    }

    pub fn add_node(&mut self, node: Box<dyn Node>) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// Connects interface `iface` of `node` to `link`.
    pub fn attach(&mut self, node: NodeId, iface: usize, link: LinkId) {
        self.ports.push((node, iface, link));
    }

    pub fn node(&self, id: NodeId) -> &dyn Node {
        self.nodes[id].as_ref()
    }

    pub fn node_mut(&mut self, id: NodeId) -> &mut dyn Node {
        self.nodes[id].as_mut()
    }

    pub fn now(&self) -> Instant {
        self.now
    }

    /// Puts a frame on `link` from the harness, now.
    pub fn inject(&mut self, link: LinkId, frame: Vec<u8>) {
        let at = self.now + self.latency;
        self.push(at, link, None, frame);
    }

    /// Frames nodes have put on `link` since the last call.
    pub fn take_frames(&mut self, link: LinkId) -> Vec<TapFrame> {
        self.taps[link].drain(..).collect()
    }

    /// Node events since the last call.
    pub fn take_events(&mut self) -> Vec<SimEvent> {
        self.events.drain(..).collect()
    }

    /// The next moment something happens: a delivery or a node's timeout.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.queue
            .iter()
            .map(|d| d.at)
            .chain(self.nodes.iter().filter_map(|n| n.poll_timeout()))
            .min()
    }

    /// Runs everything due up to and including `until`, then sets the clock to `until`.
    pub fn run_until(&mut self, until: Instant) -> Result<(), SimError> {
        let mut wakeups: Vec<(Instant, u32)> = vec![(Instant::ZERO, 0); self.nodes.len()];
        loop {
            self.collect_output();
            let Some(next) = self.next_deadline() else {
                break;
            };
            if next > until {
                break;
            }
            self.now = self.now.max(next);
            // Deliver every frame due now, in the order they were sent.
            let mut due: Vec<Delivery> = Vec::new();
            let mut i = 0;
            while i < self.queue.len() {
                if self.queue[i].at <= self.now {
                    due.push(self.queue.swap_remove(i));
                } else {
                    i += 1;
                }
            }
            due.sort_by_key(|d| (d.at, d.seq));
            for d in due {
                let receivers: Vec<(NodeId, usize)> = self
                    .ports
                    .iter()
                    .filter(|(n, f, l)| *l == d.link && Some((*n, *f)) != d.from)
                    .map(|(n, f, _)| (*n, *f))
                    .collect();
                for (n, f) in receivers {
                    self.nodes[n].handle(self.now, f, &d.frame);
                }
                self.collect_output();
            }
            for (n, w) in wakeups.iter_mut().enumerate() {
                if self.nodes[n].poll_timeout().is_some_and(|t| t <= self.now) {
                    if w.0 == self.now {
                        w.1 += 1;
                        if w.1 > MAX_WAKEUPS_PER_INSTANT {
                            return Err(SimError::Livelock {
                                node: n,
                                at: self.now,
                            });
                        }
                    } else {
                        *w = (self.now, 1);
                    }
                    self.nodes[n].handle_timeout(self.now);
                }
            }
        }
        self.now = self.now.max(until);
        Ok(())
    }

    /// Runs for `d` of virtual time.
    pub fn run_for(&mut self, d: Duration) -> Result<(), SimError> {
        let until = self.now + d;
        self.run_until(until)
    }

    /// Moves every node's transmissions onto their links and their events into the log.
    fn collect_output(&mut self) {
        for n in 0..self.nodes.len() {
            while let Some(t) = self.nodes[n].poll_transmit() {
                let Some(&(_, _, link)) = self
                    .ports
                    .iter()
                    .find(|(pn, pf, _)| *pn == n && *pf == t.iface)
                else {
                    continue; // an unattached interface: nothing hears it
                };
                self.taps[link].push_back(TapFrame {
                    at: self.now,
                    from: (n, t.iface),
                    frame: t.frame.clone(),
                });
                if self.loss > 0.0 && (self.rng.next_u64() as f64 / u64::MAX as f64) < self.loss {
                    continue;
                }
                let at = self.now + self.latency;
                self.push(at, link, Some((n, t.iface)), t.frame);
            }
            while let Some(e) = self.nodes[n].poll_event() {
                self.events.push_back(SimEvent {
                    at: self.now,
                    node: n,
                    event: e,
                });
            }
        }
    }

    fn push(&mut self, at: Instant, link: LinkId, from: Option<(NodeId, usize)>, frame: Vec<u8>) {
        self.seq += 1;
        self.queue.push(Delivery {
            at,
            seq: self.seq,
            link,
            from,
            frame,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::Transmit;

    /// A test node that, on every frame, sends it back after `delay`, and ticks every `tick`.
    struct Echo {
        delay: Duration,
        tick: Option<Duration>,
        pending: Vec<(Instant, Vec<u8>)>,
        out: VecDeque<Transmit>,
        next_tick: Option<Instant>,
        ticks: u32,
    }

    impl Node for Echo {
        fn interfaces(&self) -> Vec<String> {
            vec!["eth0".into()]
        }
        fn handle(&mut self, now: Instant, _iface: usize, frame: &[u8]) {
            self.pending.push((now + self.delay, frame.to_vec()));
        }
        fn handle_timeout(&mut self, now: Instant) {
            let (due, rest): (Vec<_>, Vec<_>) =
                self.pending.drain(..).partition(|(t, _)| *t <= now);
            self.pending = rest;
            for (_, f) in due {
                self.out.push_back(Transmit { iface: 0, frame: f });
            }
            if let (Some(t), Some(tick)) = (self.next_tick, self.tick) {
                if t <= now {
                    self.ticks += 1;
                    self.next_tick = Some(now + tick);
                }
            }
        }
        fn poll_transmit(&mut self) -> Option<Transmit> {
            self.out.pop_front()
        }
        fn poll_timeout(&self) -> Option<Instant> {
            self.pending.iter().map(|p| p.0).chain(self.next_tick).min()
        }
        fn poll_event(&mut self) -> Option<Event> {
            None
        }
    }

    fn echo(delay: u64) -> Box<Echo> {
        Box::new(Echo {
            delay: Duration::from_secs(delay),
            tick: None,
            pending: vec![],
            out: VecDeque::new(),
            next_tick: None,
            ticks: 0,
        })
    }

    #[test]
    fn frames_cross_a_link_at_virtual_time() {
        let mut sim = Sim::new(1);
        let l = sim.add_link("link0");
        let n = sim.add_node(echo(420));
        sim.attach(n, 0, l);
        sim.inject(l, vec![1, 2, 3]);
        sim.run_until(Instant::from_secs_f64(419.0)).unwrap();
        assert!(sim.take_frames(l).is_empty());
        sim.run_until(Instant::from_secs_f64(1000.0)).unwrap();
        let f = sim.take_frames(l);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].at, Instant::from_secs_f64(420.0));
        assert_eq!(f[0].frame, vec![1, 2, 3]);
        assert_eq!(sim.now(), Instant::from_secs_f64(1000.0));
    }

    #[test]
    fn a_sender_does_not_hear_itself_but_others_on_the_link_do() {
        let mut sim = Sim::new(1);
        let l = sim.add_link("link0");
        let a = sim.add_node(echo(1));
        let b = sim.add_node(echo(1));
        sim.attach(a, 0, l);
        sim.attach(b, 0, l);
        sim.inject(l, vec![7]);
        sim.run_until(Instant::from_secs_f64(3.5)).unwrap();
        // t=1: a and b echo; each hears the other's echo; t=2: two more; t=3: two more.
        let f = sim.take_frames(l);
        assert_eq!(
            f.iter()
                .map(|t| t.at.as_secs_f64() as u32)
                .collect::<Vec<_>>(),
            vec![1, 1, 2, 2, 3, 3]
        );
    }

    #[test]
    fn loss_is_seeded_and_repeatable() {
        let run = |seed| {
            let mut sim = Sim::new(seed);
            sim.set_loss(0.5);
            let l = sim.add_link("l");
            let a = sim.add_node(echo(1));
            let b = sim.add_node(echo(1));
            sim.attach(a, 0, l);
            sim.attach(b, 0, l);
            sim.inject(l, vec![1]);
            sim.run_until(Instant::from_secs_f64(50.0)).unwrap();
            sim.take_frames(l).iter().map(|f| f.at).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    /// A node that asks for a timeout in the past forever.
    struct Stuck;
    impl Node for Stuck {
        fn interfaces(&self) -> Vec<String> {
            vec![]
        }
        fn handle(&mut self, _: Instant, _: usize, _: &[u8]) {}
        fn handle_timeout(&mut self, _: Instant) {}
        fn poll_transmit(&mut self) -> Option<Transmit> {
            None
        }
        fn poll_timeout(&self) -> Option<Instant> {
            Some(Instant::ZERO)
        }
        fn poll_event(&mut self) -> Option<Event> {
            None
        }
    }

    #[test]
    fn a_livelocked_node_is_reported_not_spun_on() {
        let mut sim = Sim::new(1);
        sim.add_node(Box::new(Stuck));
        assert_eq!(
            sim.run_until(Instant::from_secs_f64(1.0)),
            Err(SimError::Livelock {
                node: 0,
                at: Instant::ZERO
            })
        );
    }

    #[test]
    fn periodic_timers_run_at_their_times() {
        let mut sim = Sim::new(1);
        let mut e = echo(0);
        e.tick = Some(Duration::from_secs(10));
        e.next_tick = Some(Instant::from_secs_f64(10.0));
        let n = sim.add_node(e);
        let _ = n;
        sim.run_until(Instant::from_secs_f64(35.0)).unwrap();
        assert_eq!(sim.next_deadline(), Some(Instant::from_secs_f64(40.0)));
    }
}
