//! Short message labels for frames (`BU seq=100 A H L lifetime=60s`, `BA status=0 seq=100`,
//! `NS tgt=fe80::1`), as drawn on the arrows of the HTML report's ladder diagrams.

use mip6_packets::{FrameView, LayerView, LinkType};
use serde_json::Value;
use std::fmt::Write as _;

/// The bytes of a lower-case (or upper-case) hex string, `None` when it is not hex.
pub fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    let s = s.trim().as_bytes();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    s.chunks(2)
        .map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?))
        .collect()
}

/// Decodes a frame's hex bytes (Ethernet first): the bytes and their decode view.
pub fn decode_hex(hex: &str) -> Option<(Vec<u8>, FrameView)> {
    let bytes = hex_bytes(hex)?;
    let view = mip6_packets::decode(&bytes, LinkType::Ethernet).view(bytes.len());
    Some((bytes, view))
}

fn field<'a>(l: &'a LayerView, k: &str) -> Option<&'a Value> {
    l.fields.get(k)
}

fn num(l: &LayerView, k: &str) -> Option<u64> {
    field(l, k).and_then(Value::as_u64)
}

fn text<'a>(l: &'a LayerView, k: &str) -> Option<&'a str> {
    field(l, k).and_then(Value::as_str)
}

fn flag(l: &LayerView, k: &str) -> bool {
    field(l, k).and_then(Value::as_bool).unwrap_or(false)
}

/// ` A H L` for the set flags among `keys` (upper-cased).
fn flags(l: &LayerView, keys: &[&str]) -> String {
    let mut s = String::new();
    for k in keys {
        if flag(l, k) {
            s.push(' ');
            s.push_str(&k.to_ascii_uppercase());
        }
    }
    s
}

fn option_abbrev(name: &str) -> Option<&'static str> {
    Some(match name {
        "binding_refresh_advice" => "BRA",
        "alternate_care_of_address" => "ACoA",
        "nonce_indices" => "NI",
        "binding_authorization_data" => "BAD",
        "mobile_network_prefix" => "MNP",
        "mobile_node_identifier" => "MN-ID",
        "ipv4_home_address" => "v4HoA",
        "ipv4_address_ack" => "v4Ack",
        "nat_detection" => "NAT",
        "ipv4_care_of_address" => "v4CoA",
        "home_address" => "HAO",
        "router_alert" => "RtrAlert",
        "pad1" | "padn" | "source_link_layer" | "target_link_layer" => return None,
        "prefix_information" => "PIO",
        "home_agent_information" => "HAI",
        "advertisement_interval" => "AdvInt",
        "mtu" => "MTU",
        "redirected_header" => "RedirHdr",
        _ => "?opt",
    })
}

fn mh_label(l: &LayerView) -> String {
    let msg = text(l, "message").unwrap_or("unknown");
    let mut s = match msg {
        "binding_update" => {
            let mut s = format!("BU seq={}", num(l, "seq").unwrap_or(0));
            s.push_str(&flags(
                l,
                &["a", "h", "l", "k", "m", "r", "p", "f", "t", "b", "s", "d"],
            ));
            let _ = write!(s, " lifetime={}s", num(l, "lifetime_seconds").unwrap_or(0));
            s
        }
        "binding_ack" => {
            let mut s = format!(
                "BA status={} seq={}",
                num(l, "status").unwrap_or(0),
                num(l, "seq").unwrap_or(0)
            );
            s.push_str(&flags(l, &["k", "r", "p", "t", "b", "s", "d"]));
            let _ = write!(s, " lifetime={}s", num(l, "lifetime_seconds").unwrap_or(0));
            s
        }
        "binding_error" => format!("BE status={}", num(l, "status").unwrap_or(0)),
        "binding_refresh_request" => "BRR".to_string(),
        "home_test_init" => "HoTI".to_string(),
        "care_of_test_init" => "CoTI".to_string(),
        "home_test" => format!("HoT nonce={}", num(l, "nonce_index").unwrap_or(0)),
        "care_of_test" => format!("CoT nonce={}", num(l, "nonce_index").unwrap_or(0)),
        _ => format!("MH type={}", num(l, "mh_type").unwrap_or(0)),
    };
    options_suffix(&mut s, l);
    s
}

fn options_suffix(s: &mut String, l: &LayerView) {
    let names: Vec<&str> = l
        .options
        .iter()
        .filter_map(|o| option_abbrev(o.name))
        .collect();
    if !names.is_empty() {
        let _ = write!(s, " +{}", names.join("+"));
    }
}

fn icmpv6_label(l: &LayerView) -> String {
    let msg = text(l, "message").unwrap_or("unknown");
    let target = || text(l, "target").unwrap_or("?").to_string();
    let mut s = match msg {
        "echo_request" => format!("Echo Req seq={}", num(l, "seq").unwrap_or(0)),
        "echo_reply" => format!("Echo Rep seq={}", num(l, "seq").unwrap_or(0)),
        "neighbor_solicitation" => format!("NS tgt={}", target()),
        "neighbor_advertisement" => format!("NA tgt={}{}", target(), flags(l, &["r", "s", "o"])),
        "router_solicitation" => "RS".to_string(),
        "router_advertisement" => format!(
            "RA lifetime={}s{}",
            num(l, "router_lifetime").unwrap_or(0),
            flags(l, &["m", "o", "h"])
        ),
        "redirect" => format!("Redirect tgt={}", target()),
        "destination_unreachable" => format!("Dst Unreach code={}", num(l, "code").unwrap_or(0)),
        "packet_too_big" => format!("Pkt Too Big mtu={}", num(l, "mtu").unwrap_or(0)),
        "time_exceeded" => format!("Time Exceeded code={}", num(l, "code").unwrap_or(0)),
        "parameter_problem" => format!(
            "Param Problem code={} ptr={}",
            num(l, "code").unwrap_or(0),
            num(l, "pointer").unwrap_or(0)
        ),
        "haad_request" => format!("HAAD Req id={}", num(l, "ident").unwrap_or(0)),
        "haad_reply" => {
            let n = field(l, "home_agents")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            format!("HAAD Rep id={} HAs={n}", num(l, "ident").unwrap_or(0))
        }
        "mobile_prefix_solicitation" => format!("MPS id={}", num(l, "ident").unwrap_or(0)),
        "mobile_prefix_advertisement" => format!(
            "MPA id={}{}",
            num(l, "ident").unwrap_or(0),
            flags(l, &["m", "o"])
        ),
        _ => format!(
            "ICMPv6 type={} code={}",
            num(l, "type").unwrap_or(0),
            num(l, "code").unwrap_or(0)
        ),
    };
    if matches!(
        msg,
        "router_advertisement" | "mobile_prefix_advertisement" | "redirect"
    ) {
        options_suffix(&mut s, l);
    }
    s
}

/// The short label of a decoded frame: the innermost message, with `+HAO` / `+RH2` and
/// `in tunnel` when they are there, and `⚠N` for N decoder violations.
pub fn frame_label(view: &FrameView) -> String {
    let mut core: Option<String> = None;
    let mut hao = false;
    let mut rh2 = false;
    let mut ip_headers = 0;
    let mut last_ip: Option<&LayerView> = None;
    let mut fallback: Option<String> = None;
    for l in &view.layers {
        match l.layer {
            "ipv6" | "ipv4" => {
                ip_headers += 1;
                last_ip = Some(l);
            }
            "dest_opts" | "hop_by_hop" => {
                hao |= l.options.iter().any(|o| o.name == "home_address");
            }
            "routing" => rh2 |= num(l, "routing_type") == Some(2),
            "mh" => core = Some(mh_label(l)),
            "icmpv6" => core = Some(icmpv6_label(l)),
            "udp" => {
                fallback = Some(format!(
                    "UDP {}→{}",
                    num(l, "src_port").unwrap_or(0),
                    num(l, "dst_port").unwrap_or(0)
                ))
            }
            "esp" => fallback = Some(format!("ESP spi={}", num(l, "spi").unwrap_or(0))),
            "fragment" => {
                fallback = Some(format!(
                    "Fragment off={}{}",
                    num(l, "offset").unwrap_or(0),
                    if flag(l, "m") { " M" } else { "" }
                ))
            }
            "raw" if fallback.is_none() && core.is_none() => {
                fallback = Some(format!("{} bytes", num(l, "length").unwrap_or(0)))
            }
            _ => {}
        }
    }
    let mut s = match (core, fallback, last_ip) {
        (Some(c), _, _) => c,
        (None, Some(f), _) => f,
        (None, None, Some(ip)) => format!(
            "{} proto={}",
            ip.layer.to_uppercase().replace("IPV", "IPv"),
            num(ip, "next_header")
                .or_else(|| num(ip, "protocol"))
                .unwrap_or(0)
        ),
        (None, None, None) => "frame".to_string(),
    };
    if hao {
        s.push_str(" +HAO");
    }
    if rh2 {
        s.push_str(" +RH2");
    }
    if ip_headers > 1 {
        s.push_str(" (tunnelled)");
    }
    if !view.violations.is_empty() {
        let _ = write!(s, " ⚠{}", view.violations.len());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use mip6_packets::samples::corpus;

    fn label(name: &str) -> String {
        let s = corpus().into_iter().find(|s| s.name == name).unwrap();
        let bytes = s.packet.emit();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        frame_label(&decode_hex(&hex).unwrap().1)
    }

    #[test]
    fn labels_name_the_message() {
        let bu = label("bu-home-registration-AHLK");
        assert!(bu.starts_with("BU seq="), "{bu}");
        assert!(bu.contains(" A H L K lifetime="), "{bu}");
        assert!(label("ba-accepted-K-binding-refresh-advice").starts_with("BA status=0 seq="));
        let ba = label("ba-accepted-K-binding-refresh-advice");
        assert!(ba.contains(" K lifetime=4000s +BRA"), "{ba}");
        assert!(label("coti-direct").starts_with("CoTI"));
        assert!(label("hoti-reverse-tunnelled-via-ha").ends_with("(tunnelled)"));
        assert!(label("icmpv6-ns-source-lladdr").starts_with("NS tgt="));
        assert!(label("icmpv6-na-solicited-RSO-target-lladdr").ends_with(" R S O"));
        assert!(label("icmpv6-echo-request-route-optimised-hao").starts_with("Echo Req"));
        assert!(label("icmpv6-echo-request-route-optimised-hao").contains("+HAO"));
        assert!(label("brr-cn-to-mn-rh2").contains("+RH2"));
        assert!(label("esp-tunnel-mode-opaque").starts_with("ESP spi="));
    }

    #[test]
    fn odd_input_gives_a_label_or_none() {
        assert_eq!(hex_bytes("0g"), None);
        assert_eq!(hex_bytes("abc"), None);
        assert_eq!(hex_bytes(""), Some(vec![]));
        assert_eq!(hex_bytes("00FFa5"), Some(vec![0, 255, 0xa5]));
        let (_, v) = decode_hex("").unwrap();
        assert!(frame_label(&v).starts_with("frame"));
        let (_, v) = decode_hex("0102030405").unwrap();
        assert!(!frame_label(&v).is_empty());
    }
}
