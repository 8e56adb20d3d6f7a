use super::*;

fn ring_with(key: &PrivateKey, issuer: u32) -> KeyRing {
    let mut r = KeyRing::default();
    r.insert(issuer, key.id(), key.public());
    r
}

fn header() -> Header {
    Header {
        version: VERSION,
        issuer: 999_991,
        key_id: 1,
        doc_type: 1,
        serial: 12301,
        days: 9824,
        minute: 600,
        page: 1,
        pages: 2,
        digest: [7; 16],
    }
}

#[test]
fn genuine_altered_wrong_key_unknown_and_cancelled_each_have_their_verdict() {
    let a = signing_key_from_seed([1; 32]);
    let b = signing_key_from_seed([2; 32]);
    let payload = sign(&header(), &a);
    assert_eq!(payload.len(), PAYLOAD_LEN);
    let ring = ring_with(&a, 999_991);
    let none = |_: u32, _: u64| false;
    assert_eq!(
        verify(&payload, &ring, &none),
        (Verdict::Genuine, Some(header()))
    );
    // Every single flipped byte is rejected.
    for i in 1..payload.len() {
        let mut p = payload.clone();
        p[i] ^= 0x01;
        let (v, _) = verify(&p, &ring, &none);
        assert!(
            matches!(v, Verdict::Altered | Verdict::UnknownKey),
            "byte {i}: {v:?}"
        );
    }
    let mut p = payload.clone();
    p[25] ^= 0x40; // the digest
    assert_eq!(verify(&p, &ring, &none).0, Verdict::Altered);
    // Signed by another key that the verifier knows under another issuer.
    let mut ring2 = ring.clone();
    ring2.insert(999_992, 1, b.public());
    assert_eq!(
        verify(&sign(&header(), &b), &ring2, &none).0,
        Verdict::WrongKey
    );
    assert_eq!(
        verify(&sign(&header(), &b), &ring, &none).0,
        Verdict::Altered
    );
    assert_eq!(
        verify(&payload, &KeyRing::default(), &none).0,
        Verdict::UnknownKey
    );
    assert_eq!(
        verify(&payload, &ring, &|i, s| i == 999_991 && s == 12301).0,
        Verdict::Cancelled
    );
    let mut p = payload.clone();
    p[0] = 9;
    assert_eq!(verify(&p, &ring, &none).0, Verdict::UnsupportedVersion);
}

#[test]
fn signing_is_deterministic_and_the_payload_round_trips() {
    let a = signing_key_from_seed([1; 32]);
    assert_eq!(sign(&header(), &a), sign(&header(), &a));
    assert_eq!(parse(&sign(&header(), &a)), Ok(header()));
    assert!(format!("{a:?}").len() < 40, "Debug must not print the key");
}

#[test]
fn the_code_decodes_from_its_own_raster() {
    let a = signing_key_from_seed([3; 32]);
    let payload = sign(&header(), &a);
    let m = qr_mask(&payload, 0.0, 0.0).unwrap();
    // Version 6: 41 modules + 8 quiet = 49 modules of 10 px (20.7 mm).
    assert_eq!(m.px_w, 490);
    let (w, h) = (m.px_w as usize, m.px_h as usize);
    let grey: Vec<u8> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| if m.get(x as u32, y as u32) { 0 } else { 255 })
        .collect();
    assert_eq!(decode_codes(w, h, &grey), vec![payload]);
}

#[test]
fn serial_numbers_and_digests() {
    assert_eq!(serial_number("見本第000123-01号").unwrap(), 12301);
    assert!(serial_number("見本第号").is_err());
    let mut b = Bound {
        fields: Default::default(),
        options: Default::default(),
    };
    b.fields
        .insert("name".into(), Value::Text("見本　太郎".into()));
    let d1 = canonical_digest(&b);
    b.fields
        .insert("name".into(), Value::Text("見本　太朗".into()));
    assert_ne!(d1, canonical_digest(&b));
    // No normalisation: a compatibility ideograph is not its unified twin.
    b.fields
        .insert("name".into(), Value::Text("\u{FA11}".into()));
    let d2 = canonical_digest(&b);
    b.fields
        .insert("name".into(), Value::Text("\u{5D0E}".into()));
    assert_ne!(d2, canonical_digest(&b));
}

#[test]
fn the_code_survives_print_and_a_300_dpi_scan() {
    use crate::security::sim::{print_scan, GrayF32, PrintScanSettings};
    let a = signing_key_from_seed([4; 32]);
    let payload = sign(&header(), &a);
    let ring = ring_with(&a, 999_991);
    let m = qr_mask(&payload, 0.0, 0.0).unwrap();
    // The code on a piece of paper 6 mm wider on every side.
    let pad = 142;
    let mut page = GrayF32::new(m.px_w + 2 * pad, m.px_h + 2 * pad, m.dpi);
    for y in 0..m.px_h {
        for x in 0..m.px_w {
            if m.get(x, y) {
                page.data[((y + pad) * page.w + x + pad) as usize] = 1.0;
            }
        }
    }
    let conditions = [
        (-2.0, 1.01, 0.99, 1.0, 0.7, 1.0),
        (2.0, 0.99, 1.0, 2.0, 1.4, 5.0),
        (0.5, 1.0, 1.01, 1.5, 1.0, 3.0),
        (-1.3, 1.0, 1.0, 2.0, 0.8, 4.0),
    ];
    for (i, &(rot, sx, sy, blur, gamma, noise)) in conditions.iter().enumerate() {
        let s = PrintScanSettings {
            rotation_deg: rot,
            scale: (sx, sy),
            translate_mm: (1.0, -1.0),
            blur_fwhm_scan_px: blur,
            scan_dpi: 300,
            gamma,
            noise_sigma: noise / 255.0,
            seed: i as u64,
        };
        let scan = print_scan(&page, &s);
        let grey: Vec<u8> = scan
            .data
            .iter()
            .map(|d| ((1.0 - d.clamp(0.0, 1.0)) * 255.0).round() as u8)
            .collect();
        let found = verify_image(scan.w as usize, scan.h as usize, &grey, &ring, &|_, _| {
            false
        });
        assert_eq!(found.len(), 1, "condition {i}: the code did not decode");
        assert_eq!(found[0].verdict, Verdict::Genuine, "condition {i}");
    }
}

#[test]
fn fast_mask_choice_gives_a_valid_symbol_like_the_crate() {
    // The encoder scores the eight masks itself (qr::encode); the symbol must decode, and for
    // these payloads it is the very symbol the qrcode crate picks with its own scoring.
    let mut same = 0;
    for seed in 0u8..12 {
        let payload: Vec<u8> = (0..100u32)
            .map(|i| (i.wrapping_mul(97) as u8) ^ seed.wrapping_mul(31))
            .collect();
        let m = qr_mask(&payload, 0.0, 0.0).unwrap();
        // Decode the mask as a grey image (1 px per 600-dpi pixel is plenty).
        let (w, h) = (m.px_w as usize, m.px_h as usize);
        let grey: Vec<u8> = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| if m.get(x as u32, y as u32) { 0 } else { 255 })
            .collect();
        let codes = decode_codes(w, h, &grey);
        assert_eq!(codes, vec![payload.clone()], "seed {seed}");
        let crate_code =
            qrcode::QrCode::with_error_correction_level(&payload, qrcode::EcLevel::M).unwrap();
        let n = crate_code.width();
        let theirs = crate_code.to_colors();
        let ours = (0..n * n).all(|i| {
            let (x, y) = ((i % n) as u32, (i / n) as u32);
            m.get((4 + x) * 10 + 5, (4 + y) * 10 + 5) == (theirs[i] == qrcode::Color::Dark)
        });
        same += usize::from(ours);
    }
    assert_eq!(
        same, 12,
        "the same mask as the crate for {same} of 12 payloads"
    );
}
