//! The algorithms the server offers. russh's defaults minus what ssh-audit flags: no SHA-1
//! (`ssh-rsa` signatures), no 2048-bit Diffie-Hellman (group14, and group exchange, whose groups
//! russh picks from a short built-in list that starts at 2048 bits), no encrypt-and-MAC modes,
//! and fewer finite-field groups (each is a warning, and costly handshakes for a flood).
//! OpenSSH 8+, PuTTY 0.76+ and Xshell 7 all share curve25519, Ed25519 or rsa-sha2-*, and
//! chacha20-poly1305 or AES-GCM (AEAD ciphers need no MAC). Figures in BENCHMARKS.md.

use std::borrow::Cow;

use russh::keys::{Algorithm, HashAlg};
use russh::{Preferred, cipher, compression, kex, mac};

const KEX: &[kex::Name] = &[
    kex::MLKEM768X25519_SHA256,
    kex::CURVE25519,
    kex::CURVE25519_PRE_RFC_8731,
    // For clients without curve25519 (none of the three above); the largest group costs the
    // server most CPU per handshake, so it is left out.
    kex::DH_G16_SHA512,
    // Markers, not algorithms: RFC 8308 extension info and OpenSSH's strict key exchange
    // (against Terrapin). russh sends only the server's half of each pair.
    kex::EXTENSION_SUPPORT_AS_CLIENT,
    kex::EXTENSION_SUPPORT_AS_SERVER,
    kex::EXTENSION_OPENSSH_STRICT_KEX_AS_CLIENT,
    kex::EXTENSION_OPENSSH_STRICT_KEX_AS_SERVER,
];

/// Ed25519 first; the RSA key only with SHA-2 signatures.
const HOST_KEY: &[Algorithm] = &[
    Algorithm::Ed25519,
    Algorithm::Rsa {
        hash: Some(HashAlg::Sha512),
    },
    Algorithm::Rsa {
        hash: Some(HashAlg::Sha256),
    },
];

const CIPHER: &[cipher::Name] = &[
    cipher::CHACHA20_POLY1305,
    cipher::AES_256_GCM,
    cipher::AES_256_CTR,
    cipher::AES_192_CTR,
    cipher::AES_128_CTR,
];

/// Encrypt-then-MAC only (used with the CTR ciphers).
const MAC: &[mac::Name] = &[mac::HMAC_SHA512_ETM, mac::HMAC_SHA256_ETM];

const COMPRESSION: &[compression::Name] = &[
    compression::NONE,
    compression::ZLIB,
    compression::ZLIB_LEGACY,
];

pub fn preferred() -> Preferred {
    Preferred {
        kex: Cow::Borrowed(KEX),
        key: Cow::Borrowed(HOST_KEY),
        cipher: Cow::Borrowed(CIPHER),
        mac: Cow::Borrowed(MAC),
        compression: Cow::Borrowed(COMPRESSION),
        ..Preferred::DEFAULT
    }
}
