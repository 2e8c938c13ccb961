//! Decode + validate throughput (issue 2: goal ≥ 5 million frames per second per core).
//!
//! `cargo bench -p mip6-packets --bench decode` runs on one core (criterion is single-threaded);
//! frames/s = 1 / time per iteration.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use mip6_packets::ethernet::{Ethernet, MacAddr};
use mip6_packets::ipv6::{Ipv6, OptionsHeader, Routing};
use mip6_packets::mh::{BindingAck, BindingUpdate, MhMessage, MhOption, Mobility};
use mip6_packets::{decode, Layer, LinkType, Packet};

fn a(s: &str) -> std::net::Ipv6Addr {
    s.parse().unwrap()
}

fn eth() -> Layer {
    Layer::Ethernet(Ethernet::new(
        MacAddr([2, 0, 0, 0, 0, 1]),
        MacAddr([2, 0, 0, 0, 0, 2]),
    ))
}

/// A home registration: Ethernet / IPv6 (CoA -> HA) / Dest Opts (HAO) / BU with Alternate CoA.
fn bu_with_hao() -> Vec<u8> {
    Packet::new(vec![
        eth(),
        Layer::Ipv6(Ipv6::new(a("2001:db8:2::100"), a("2001:db8:1::1"))),
        Layer::DestOpts(OptionsHeader::home_address(a("2001:db8:1::100"))),
        Layer::Mobility(Mobility::new(
            MhMessage::BindingUpdate(BindingUpdate {
                seq: 100,
                a: true,
                h: true,
                l: true,
                lifetime: 15,
                ..Default::default()
            }),
            vec![MhOption::AlternateCareOfAddress(a("2001:db8:2::100"))],
        )),
    ])
    .emit()
}

/// Its answer: Ethernet / IPv6 (HA -> CoA) / Type 2 RH (HoA) / BA with Binding Refresh Advice.
fn ba_with_rh2() -> Vec<u8> {
    Packet::new(vec![
        eth(),
        Layer::Ipv6(Ipv6::new(a("2001:db8:1::1"), a("2001:db8:2::100"))),
        Layer::Routing(Routing::type2(a("2001:db8:1::100"))),
        Layer::Mobility(Mobility::new(
            MhMessage::BindingAck(BindingAck {
                status: 0,
                seq: 100,
                lifetime: 15,
                ..Default::default()
            }),
            vec![MhOption::BindingRefreshAdvice { interval: 10 }],
        )),
    ])
    .emit()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode+validate");
    g.throughput(Throughput::Elements(1));
    for (name, frame) in [
        ("bu_with_hao", bu_with_hao()),
        ("ba_with_rh2", ba_with_rh2()),
    ] {
        assert!(decode(&frame, LinkType::Ethernet).violations.is_empty());
        g.bench_function(name, |b| {
            b.iter(|| decode(black_box(&frame), LinkType::Ethernet))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
