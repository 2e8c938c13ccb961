//! Return-routability cryptography (RFC 6275 §5.2). In progress.
