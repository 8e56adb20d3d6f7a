//! TLS through rustls (ring provider): the server certificate chain and key from PEM files, and
//! optional client certificates: with a CA file set, every client must present a certificate
//! signed by that CA or the handshake is refused. Configured by the `[tls]` table.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;

/// The `[tls]` table.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// The server's certificate chain, PEM (leaf first).
    pub cert: PathBuf,
    /// The server's private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// CA certificates, PEM. When set, clients must present a certificate signed by one of them.
    #[serde(default)]
    pub client_ca: Option<PathBuf>,
}

fn certs(path: &Path, key: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let list = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("tls.{key}: {}: cannot read: {e}", path.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("tls.{key}: {}: not PEM certificates: {e}", path.display()))?;
    if list.is_empty() {
        return Err(format!(
            "tls.{key}: {}: no certificate found; expected PEM `-----BEGIN CERTIFICATE-----` blocks",
            path.display()
        ));
    }
    Ok(list)
}

/// The rustls server configuration for a `[tls]` table (HTTP/2 and HTTP/1.1 by ALPN). Errors name
/// the key (`tls.cert`, `tls.key`, `tls.client_ca`) and the file.
pub fn server_config(tls: &TlsConfig) -> Result<Arc<ServerConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = certs(&tls.cert, "cert")?;
    let key = PrivateKeyDer::from_pem_file(&tls.key).map_err(|e| {
        format!(
            "tls.key: {}: no usable private key ({e}); expected a PEM PKCS#8, PKCS#1 or SEC1 key",
            tls.key.display()
        )
    })?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("tls: {e}"))?;
    let builder = match &tls.client_ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for c in certs(ca, "client_ca")? {
                roots.add(c).map_err(|e| {
                    format!(
                        "tls.client_ca: {}: not a usable CA certificate: {e}",
                        ca.display()
                    )
                })?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| format!("tls.client_ca: {}: {e}", ca.display()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(chain, key).map_err(|e| {
        format!(
            "tls.key: {}: does not match tls.cert or is not supported: {e}",
            tls.key.display()
        )
    })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_files_name_the_key() {
        let t = TlsConfig {
            cert: "/nonexistent/cert.pem".into(),
            key: "/nonexistent/key.pem".into(),
            client_ca: None,
        };
        let e = server_config(&t).unwrap_err();
        assert!(e.starts_with("tls.cert:"), "{e}");
    }
}
