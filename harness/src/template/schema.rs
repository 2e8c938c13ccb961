//! The field vocabulary of packet trees: the decode view's names (docs/decode-json.md), with the
//! type of each field. Templates may set the `build` fields; conditions and captures may also
//! name the `view` fields, which are derived on decoding (`lifetime_seconds`, `message`).

/// How a field's value is written and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// An unsigned integer (decimal or `0x..`).
    Int,
    /// `true`/`false` or `1`/`0`.
    Bool,
    Ip6,
    Ip4,
    Mac,
    /// Bytes as hex.
    Hex,
    /// Free text (compared as written).
    Text,
    /// A list of IPv6 addresses.
    Ip6List,
}

pub type FieldList = &'static [(&'static str, Ty)];

/// One layer, message or option: its name and fields.
#[derive(Debug)]
pub struct Def {
    pub name: &'static str,
    /// Fields a template may set (and a condition may check).
    pub build: FieldList,
    /// Fields only the decode view has (conditions and captures only).
    pub view: FieldList,
}

impl Def {
    pub fn ty(&self, field: &str) -> Option<Ty> {
        self.build
            .iter()
            .chain(self.view)
            .find(|(n, _)| *n == field)
            .map(|(_, t)| *t)
    }

    pub fn build_names(&self) -> impl Iterator<Item = &'static str> + Clone {
        self.build.iter().map(|(n, _)| *n)
    }

    pub fn all_names(&self) -> impl Iterator<Item = &'static str> + Clone {
        self.build.iter().chain(self.view).map(|(n, _)| *n)
    }
}

use Ty::*;

const fn d(name: &'static str, build: FieldList, view: FieldList) -> Def {
    Def { name, build, view }
}

pub const ETHERNET: Def = d(
    "ethernet",
    &[("dst", Mac), ("src", Mac), ("ethertype", Int)],
    &[],
);
pub const IPV4: Def = d(
    "ipv4",
    &[
        ("version", Int),
        ("ihl", Int),
        ("tos", Int),
        ("total_len", Int),
        ("ident", Int),
        ("reserved_flag", Bool),
        ("df", Bool),
        ("mf", Bool),
        ("frag_offset", Int),
        ("ttl", Int),
        ("protocol", Int),
        ("checksum", Int),
        ("src", Ip4),
        ("dst", Ip4),
        ("options", Hex),
    ],
    &[],
);
pub const IPV6: Def = d(
    "ipv6",
    &[
        ("version", Int),
        ("traffic_class", Int),
        ("flow_label", Int),
        ("payload_len", Int),
        ("next_header", Int),
        ("hop_limit", Int),
        ("src", Ip6),
        ("dst", Ip6),
    ],
    &[],
);
/// Hop-by-Hop and Destination Options headers (their options are separate).
pub const EXT_OPTS: Def = d(
    "dest_opts",
    &[("next_header", Int), ("hdr_ext_len", Int)],
    &[],
);
pub const ROUTING: Def = d(
    "routing",
    &[
        ("next_header", Int),
        ("hdr_ext_len", Int),
        ("routing_type", Int),
        ("segments_left", Int),
        ("reserved", Int),
        ("home_address", Ip6),
        ("data", Hex),
    ],
    &[],
);
pub const FRAGMENT: Def = d(
    "fragment",
    &[
        ("next_header", Int),
        ("reserved", Int),
        ("offset", Int),
        ("res", Int),
        ("m", Bool),
        ("ident", Int),
    ],
    &[],
);
pub const MH: Def = d(
    "mh",
    &[
        ("payload_proto", Int),
        ("header_len", Int),
        ("mh_type", Int),
        ("reserved", Int),
        ("checksum", Int),
    ],
    &[("message", Text)],
);
pub const ICMPV6: Def = d(
    "icmpv6",
    &[("type", Int), ("code", Int), ("checksum", Int)],
    &[("message", Text)],
);
pub const UDP: Def = d(
    "udp",
    &[
        ("src_port", Int),
        ("dst_port", Int),
        ("length", Int),
        ("checksum", Int),
    ],
    &[],
);
pub const ESP: Def = d("esp", &[("spi", Int), ("seq", Int)], &[]);
pub const ESP_TRAILER: Def = d(
    "esp_trailer",
    &[
        ("padding", Hex),
        ("pad_len", Int),
        ("next_header", Int),
        ("icv", Hex),
    ],
    &[],
);
pub const RAW: Def = d("raw", &[("data", Hex)], &[("length", Int)]);

/// The layer definition for a layer name of the decode view.
pub fn layer(name: &str) -> Option<&'static Def> {
    Some(match name {
        "ethernet" => &ETHERNET,
        "ipv4" => &IPV4,
        "ipv6" => &IPV6,
        "hop_by_hop" | "dest_opts" => &EXT_OPTS,
        "routing" => &ROUTING,
        "fragment" => &FRAGMENT,
        "mh" => &MH,
        "icmpv6" => &ICMPV6,
        "udp" => &UDP,
        "esp" => &ESP,
        "esp_trailer" => &ESP_TRAILER,
        "raw" => &RAW,
        _ => return None,
    })
}

/// Every layer name of the decode view.
pub const LAYER_NAMES: &[&str] = &[
    "ethernet",
    "ipv4",
    "ipv6",
    "hop_by_hop",
    "dest_opts",
    "routing",
    "fragment",
    "mh",
    "icmpv6",
    "udp",
    "esp",
    "esp_trailer",
    "raw",
];

const LIFETIME: (&str, Ty) = ("lifetime_seconds", Int);

/// Mobility Header messages (RFC 6275 §6.1).
pub const MH_MESSAGES: &[Def] = &[
    d("binding_refresh_request", &[("reserved2", Int)], &[]),
    d(
        "home_test_init",
        &[("reserved2", Int), ("cookie", Hex)],
        &[],
    ),
    d(
        "care_of_test_init",
        &[("reserved2", Int), ("cookie", Hex)],
        &[],
    ),
    d(
        "home_test",
        &[("nonce_index", Int), ("cookie", Hex), ("token", Hex)],
        &[],
    ),
    d(
        "care_of_test",
        &[("nonce_index", Int), ("cookie", Hex), ("token", Hex)],
        &[],
    ),
    d(
        "binding_update",
        &[
            ("seq", Int),
            ("a", Bool),
            ("h", Bool),
            ("l", Bool),
            ("k", Bool),
            ("m", Bool),
            ("r", Bool),
            ("p", Bool),
            ("f", Bool),
            ("t", Bool),
            ("b", Bool),
            ("s", Bool),
            ("d", Bool),
            ("flags_reserved", Int),
            ("lifetime", Int),
        ],
        &[LIFETIME],
    ),
    d(
        "binding_ack",
        &[
            ("status", Int),
            ("k", Bool),
            ("r", Bool),
            ("p", Bool),
            ("t", Bool),
            ("b", Bool),
            ("s", Bool),
            ("d", Bool),
            ("flags_reserved", Int),
            ("seq", Int),
            ("lifetime", Int),
        ],
        &[LIFETIME],
    ),
    d(
        "binding_error",
        &[("status", Int), ("reserved2", Int), ("home_address", Ip6)],
        &[],
    ),
    d("unknown", &[("mh_type", Int), ("data", Hex)], &[]),
];

/// Mobility options (RFC 6275 §6.2 and extensions). `pad1`/`padn` have no fields (a template
/// writes `padn: N` for N data bytes); any type can be written `{type: n, data: hex}`.
pub const MH_OPTIONS: &[Def] = &[
    d("pad1", &[], &[]),
    d("padn", &[], &[]),
    d(
        "binding_refresh_advice",
        &[("refresh_interval", Int)],
        &[("refresh_interval_seconds", Int)],
    ),
    d("alternate_care_of_address", &[("address", Ip6)], &[]),
    d(
        "nonce_indices",
        &[("home_nonce_index", Int), ("care_of_nonce_index", Int)],
        &[],
    ),
    d("binding_authorization_data", &[("authenticator", Hex)], &[]),
    d(
        "mobile_network_prefix",
        &[("reserved", Int), ("prefix_len", Int), ("prefix", Ip6)],
        &[],
    ),
    d(
        "mobile_node_identifier",
        &[
            ("subtype", Int),
            ("identifier", Text),
            ("identifier_hex", Hex),
        ],
        &[],
    ),
    d(
        "ipv4_home_address",
        &[
            ("prefix_len", Int),
            ("p", Bool),
            ("reserved", Int),
            ("address", Ip4),
        ],
        &[],
    ),
    d(
        "ipv4_address_ack",
        &[
            ("status", Int),
            ("prefix_len", Int),
            ("reserved", Int),
            ("address", Ip4),
        ],
        &[],
    ),
    d(
        "nat_detection",
        &[("f", Bool), ("reserved", Int), ("refresh_time", Int)],
        &[],
    ),
    d(
        "ipv4_care_of_address",
        &[("reserved", Int), ("address", Ip4)],
        &[],
    ),
    d("unknown", &[], &[("data", Hex)]),
];

/// ICMPv6 messages (RFC 4443, 4861, 6275 §6.5–§6.8).
pub const ICMPV6_MESSAGES: &[Def] = &[
    d(
        "destination_unreachable",
        &[("unused", Int), ("invoking", Hex)],
        &[],
    ),
    d("packet_too_big", &[("mtu", Int), ("invoking", Hex)], &[]),
    d("time_exceeded", &[("unused", Int), ("invoking", Hex)], &[]),
    d(
        "parameter_problem",
        &[("pointer", Int), ("invoking", Hex)],
        &[],
    ),
    d(
        "echo_request",
        &[("ident", Int), ("seq", Int), ("data", Hex)],
        &[],
    ),
    d(
        "echo_reply",
        &[("ident", Int), ("seq", Int), ("data", Hex)],
        &[],
    ),
    d("router_solicitation", &[("reserved", Int)], &[]),
    d(
        "router_advertisement",
        &[
            ("cur_hop_limit", Int),
            ("m", Bool),
            ("o", Bool),
            ("h", Bool),
            ("reserved", Int),
            ("router_lifetime", Int),
            ("reachable_time", Int),
            ("retrans_timer", Int),
        ],
        &[],
    ),
    d(
        "neighbor_solicitation",
        &[("reserved", Int), ("target", Ip6)],
        &[],
    ),
    d(
        "neighbor_advertisement",
        &[
            ("r", Bool),
            ("s", Bool),
            ("o", Bool),
            ("reserved", Int),
            ("target", Ip6),
        ],
        &[],
    ),
    d(
        "redirect",
        &[("reserved", Int), ("target", Ip6), ("destination", Ip6)],
        &[],
    ),
    d(
        "haad_request",
        &[
            ("ident", Int),
            ("r", Bool),
            ("reserved", Int),
            ("trailing", Hex),
        ],
        &[],
    ),
    d(
        "haad_reply",
        &[
            ("ident", Int),
            ("r", Bool),
            ("reserved", Int),
            ("home_agents", Ip6List),
            ("trailing", Hex),
        ],
        &[],
    ),
    d(
        "mobile_prefix_solicitation",
        &[("ident", Int), ("reserved", Int)],
        &[],
    ),
    d(
        "mobile_prefix_advertisement",
        &[("ident", Int), ("m", Bool), ("o", Bool), ("reserved", Int)],
        &[],
    ),
    d("unknown", &[("body", Hex)], &[]),
    d("malformed", &[], &[("body", Hex)]),
];

/// ICMPv6 messages that carry ND options.
pub const ICMPV6_WITH_OPTIONS: &[&str] = &[
    "router_solicitation",
    "router_advertisement",
    "neighbor_solicitation",
    "neighbor_advertisement",
    "redirect",
    "mobile_prefix_solicitation",
    "mobile_prefix_advertisement",
];

/// Neighbor Discovery messages: sent with hop limit 255 (RFC 4861 §6, §7).
pub const ND_MESSAGES: &[&str] = &[
    "router_solicitation",
    "router_advertisement",
    "neighbor_solicitation",
    "neighbor_advertisement",
    "redirect",
];

/// ND options (RFC 4861 §4.6, RFC 6275 §7.2–§7.4). Any type: `{type: n, len?: n, data: hex}`.
pub const ND_OPTIONS: &[Def] = &[
    d("source_link_layer", &[("address", Mac)], &[]),
    d("target_link_layer", &[("address", Mac)], &[]),
    d(
        "prefix_information",
        &[
            ("prefix_len", Int),
            ("l", Bool),
            ("a", Bool),
            ("r", Bool),
            ("reserved1", Int),
            ("valid_lifetime", Int),
            ("preferred_lifetime", Int),
            ("reserved2", Int),
            ("prefix", Ip6),
        ],
        &[],
    ),
    d(
        "redirected_header",
        &[("reserved", Int), ("data", Hex)],
        &[],
    ),
    d("mtu", &[("reserved", Int), ("mtu", Int)], &[]),
    d(
        "advertisement_interval",
        &[("reserved", Int), ("interval", Int)],
        &[],
    ),
    d(
        "home_agent_information",
        &[
            ("r", Bool),
            ("reserved", Int),
            ("preference", Int),
            ("lifetime", Int),
        ],
        &[],
    ),
    d("unknown", &[], &[("data", Hex)]),
    d("truncated", &[], &[("data", Hex)]),
];

/// IPv6 options of Hop-by-Hop and Destination Options headers.
pub const IP6_OPTIONS: &[Def] = &[
    d("pad1", &[], &[]),
    d("padn", &[], &[]),
    d("home_address", &[("home_address", Ip6)], &[]),
    d("router_alert", &[("data", Hex)], &[]),
    d("unknown", &[], &[("data", Hex)]),
];

/// Fields every option of the decode view has besides its `fields`.
pub const OPTION_VIEW_KEYS: FieldList = &[("type", Int), ("len", Int)];

pub fn find(defs: &'static [Def], name: &str) -> Option<&'static Def> {
    defs.iter().find(|d| d.name == name)
}

pub fn names(defs: &'static [Def]) -> impl Iterator<Item = &'static str> + Clone {
    defs.iter().map(|d| d.name)
}
