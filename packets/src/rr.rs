//! Return-routability cryptography (RFC 6275 §5.2.5, §6.2.7): keygen tokens, Kbm and the
//! Binding Authorization Data authenticator. All functions are pure.

use hmac::{Hmac, Mac};
use sha1::{Digest, Sha1};
use std::net::Ipv6Addr;

type HmacSha1 = Hmac<Sha1>;

/// Length of Kcn, the correspondent node's secret (RFC 6275 §5.2.1).
pub const KCN_LEN: usize = 20;

fn hmac_sha1(key: &[u8], parts: &[&[u8]]) -> [u8; 20] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha1 as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// Which half of return routability a token belongs to: the final octet of the HMAC input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `home keygen token = First(64, HMAC_SHA1(Kcn, home address | nonce | 0))`.
    Home = 0,
    /// `care-of keygen token = First(64, HMAC_SHA1(Kcn, care-of address | nonce | 1))`.
    CareOf = 1,
}

/// A keygen token (RFC 6275 §5.2.5).
pub fn keygen_token(kcn: &[u8], addr: &Ipv6Addr, nonce: &[u8], kind: TokenKind) -> [u8; 8] {
    let h = hmac_sha1(kcn, &[&addr.octets(), nonce, &[kind as u8]]);
    let mut t = [0u8; 8];
    t.copy_from_slice(&h[..8]);
    t
}

/// `Kbm = SHA1(home keygen token | care-of keygen token)`, or `SHA1(home keygen token)` for a
/// de-registration, where no care-of token is used (RFC 6275 §5.2.5, §5.2.6).
pub fn kbm(home_token: &[u8; 8], care_of_token: Option<&[u8; 8]>) -> [u8; 20] {
    let mut h = Sha1::new();
    h.update(home_token);
    if let Some(c) = care_of_token {
        h.update(c);
    }
    h.finalize().into()
}

/// The Binding Authorization Data authenticator (RFC 6275 §6.2.7):
/// `First(96, HMAC_SHA1(Kbm, care-of address | correspondent address | MH data))`, where the MH
/// data is the Mobility Header with a zero checksum, up to the option's Type and Length bytes.
/// For a de-registration the care-of address is the home address.
pub fn authenticator(
    kbm: &[u8; 20],
    care_of: &Ipv6Addr,
    correspondent: &Ipv6Addr,
    mh_data: &[u8],
) -> [u8; 12] {
    let h = hmac_sha1(kbm, &[&care_of.octets(), &correspondent.octets(), mh_data]);
    let mut a = [0u8; 12];
    a.copy_from_slice(&h[..12]);
    a
}

#[cfg(test)]
mod tests {
    //! The test vector of ../shared/spec/constants.md §4.1.
    use super::*;
    use crate::mh::{BindingUpdate, MhMessage, MhOption, Mobility};
    use crate::util::{from_hex, to_hex};

    fn a(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    fn kcn() -> Vec<u8> {
        from_hex("000102030405060708090a0b0c0d0e0f10111213").unwrap()
    }

    const HOME_NONCE: [u8; 8] = [0x11; 8];
    const COA_NONCE: [u8; 8] = [0x22; 8];

    fn tokens() -> ([u8; 8], [u8; 8]) {
        (
            keygen_token(&kcn(), &a("2001:db8:1::100"), &HOME_NONCE, TokenKind::Home),
            keygen_token(&kcn(), &a("2001:db8:2::100"), &COA_NONCE, TokenKind::CareOf),
        )
    }

    #[test]
    fn keygen_tokens() {
        let (h, c) = tokens();
        assert_eq!(to_hex(&h), "c71a754160cffb9a");
        assert_eq!(to_hex(&c), "ad30f3dfdcfc2d09");
    }

    #[test]
    fn kbm_both_and_deregistration() {
        let (h, c) = tokens();
        assert_eq!(
            to_hex(&kbm(&h, Some(&c))),
            "1bb66dda1addc2a096296a15cfd42e4bc0272552"
        );
        assert_eq!(
            to_hex(&kbm(&h, None)),
            "58d846675f1dfd21cce5949d3a1e1a0c2d888dfa"
        );
    }

    fn vector_bu() -> Mobility {
        Mobility::new(
            MhMessage::BindingUpdate(BindingUpdate {
                seq: 1,
                a: true,
                lifetime: 100,
                ..Default::default()
            }),
            vec![
                MhOption::NonceIndices {
                    home: 5,
                    care_of: 6,
                },
                MhOption::BindingAuthorizationData(vec![0; 12]),
            ],
        )
    }

    #[test]
    fn authenticated_data_matches_vector() {
        let bu = vector_bu();
        assert_eq!(
            to_hex(&bu.authenticated_data().unwrap()),
            "3b0305000000000180000064040400050006050c"
        );
    }

    #[test]
    fn authenticator_matches_vector() {
        let (h, c) = tokens();
        let k = kbm(&h, Some(&c));
        let data = from_hex("3b0305000000000180000064040400050006050c").unwrap();
        let auth = authenticator(&k, &a("2001:db8:2::100"), &a("2001:db8:3::1"), &data);
        assert_eq!(to_hex(&auth), "20ef3980921a17f8ccb23b0c");
    }

    #[test]
    fn authenticate_and_verify_on_a_header() {
        let (h, c) = tokens();
        let k = kbm(&h, Some(&c));
        let (coa, cn) = (a("2001:db8:2::100"), a("2001:db8:3::1"));
        let mut bu = vector_bu();
        bu.authenticate(&k, coa, cn);
        assert_eq!(
            bu.options.last(),
            Some(&MhOption::BindingAuthorizationData(
                from_hex("20ef3980921a17f8ccb23b0c").unwrap()
            ))
        );
        assert!(bu.verify_authenticator(&k, coa, cn));
        // Any change to the covered data or the keys breaks it.
        assert!(!bu.verify_authenticator(&k, cn, coa));
        assert!(!bu.verify_authenticator(&kbm(&h, None), coa, cn));
        if let MhMessage::BindingUpdate(b) = &mut bu.message {
            b.seq = 2;
        }
        assert!(!bu.verify_authenticator(&k, coa, cn));
    }

    #[test]
    fn authenticate_adds_an_aligned_option_when_missing() {
        let (h, c) = tokens();
        let k = kbm(&h, Some(&c));
        let mut bu = Mobility::new(
            MhMessage::BindingUpdate(BindingUpdate {
                seq: 1,
                a: true,
                lifetime: 100,
                ..Default::default()
            }),
            vec![MhOption::NonceIndices {
                home: 5,
                care_of: 6,
            }],
        );
        bu.authenticate(&k, a("2001:db8:2::100"), a("2001:db8:3::1"));
        assert_eq!(bu, {
            let mut v = vector_bu();
            v.authenticate(&k, a("2001:db8:2::100"), a("2001:db8:3::1"));
            v
        });
    }
}
