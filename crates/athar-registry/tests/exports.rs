//! Exports: a ZIP archive with a manifest whose hashes match its files, cut to each
//! inquiry's consent for the recipient, with what was left out said; investigators only.

mod common;

use athar_registry::{Actor, Enquirer, NewInquiry, Query, RegistryError, Role};
use common::{me, Reg};
use sha2::Digest as _;
use std::io::Read as _;

const LIST: &str = "source_record_id,given_name,father_name,family_name,mother_name,birth_date,status,facility\n\
a1,Rami,Ahmad,Haddad,Salma,1990,detained,Sednaya\n\
a2,Nour,Khaled,Sabbagh,Rima,1980,released,Adra\n\
a3,=HYPERLINK(\"x\"),Omar,Darwish,Huda,1969,missing,\n";

fn inquiry(reg: &Reg, name: &str, consent: &str) -> String {
    let sought = Query { name: Some(name.into()), ..Query::default() };
    let enquirer = Enquirer {
        name: "Layla".into(),
        relationship: "sister".into(),
        contact: Some("+963944000111".into()),
        consent: consent.into(),
    };
    reg.registry.add_inquiry(&me(), NewInquiry { sought, enquirer }).expect("inquiry")
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).expect("entry");
            let mut b = Vec::new();
            f.read_to_end(&mut b).expect("read");
            (f.name().to_string(), b)
        })
        .collect()
}

#[test]
fn an_export_for_a_recipient_holds_only_what_each_enquirer_consented_and_a_manifest_that_matches() {
    let reg = Reg::new();
    reg.import("list.csv", LIST);
    let rami = inquiry(&reg, "Rami Ahmad Haddad", "icrc: whereabouts; family: status, contact");
    let nour = inquiry(&reg, "Nour Khaled Sabbagh", "family: existence");
    let caseworker = Actor::new("cw", &[Role::Caseworker]);
    assert!(matches!(reg.registry.export_for_recipient(&caseworker, "icrc"), Err(RegistryError::Forbidden { .. })));
    assert!(reg.registry.export_for_recipient(&me(), "neighbours").is_err());

    let bundle = reg.registry.export_for_recipient(&me(), "icrc").expect("export");
    let files = unzip(&bundle.zip().expect("zip"));
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["leads.csv", "manifest.json"]);
    let leads = String::from_utf8(files[0].1.clone()).expect("utf-8");
    let manifest: serde_json::Value = serde_json::from_slice(&files[1].1).expect("json");
    assert_eq!(
        manifest["files"][0]["sha256"],
        hex::encode(sha2::Sha256::digest(&files[0].1)),
        "the hash is the file's"
    );
    assert_eq!(manifest["recipient"], "icrc");
    let mut rows = csv::Reader::from_reader(leads.as_bytes());
    let header = rows.headers().expect("header").clone();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let rows: Vec<csv::StringRecord> = rows.records().map(|r| r.expect("row")).collect();
    assert!(!rows.is_empty(), "{leads}");
    assert!(rows.iter().all(|r| &r[col("inquiry")] == rami.as_str()), "only the inquiry that consented: {leads}");
    assert!(!leads.contains(&nour));
    assert!(rows.iter().any(|r| r[col("facility")] == *"Sednaya"), "whereabouts: {leads}");
    assert!(rows.iter().all(|r| r[col("status")].is_empty() && r[col("contact")].is_empty()), "not consented: {leads}");
    let left = manifest["left_out"].to_string();
    assert!(left.contains("1 inquiries whose enquirer did not consent to icrc"), "{left}");

    // For the family: Rami's status and contact, Nour's existence only.
    let family = reg.registry.export_for_recipient(&me(), "family").expect("export");
    let text = String::from_utf8(family.files[0].bytes.clone()).expect("utf-8");
    assert!(text.contains("detained") && text.contains("'+963944000111"), "status, contact (made safe): {text}");
    assert!(!text.contains("Sednaya"), "no whereabouts for the family: {text}");

    // A record marked sensitive never leaves.
    reg.registry.set_flags(&me(), "list.csv:a1", &["minor".into()]).expect("flag");
    let after = reg.registry.export_for_recipient(&me(), "icrc").expect("export");
    assert_eq!(after.manifest.files[0].rows, 0);
    assert!(after.manifest.left_out.iter().any(|l| l.contains("marked sensitive")), "{:?}", after.manifest.left_out);

    // The archive of every record; each export is audited.
    let archive = reg.registry.export_persons_bundle(&me()).expect("archive");
    let persons = String::from_utf8(archive.files[0].bytes.clone()).expect("utf-8");
    assert_eq!(persons.lines().count(), 4, "a header and every record: {persons}");
    let log = reg.registry.audit_log(&me(), 10).expect("log");
    assert!(log.iter().filter(|e| e.action == "export").count() >= 4);
    assert_eq!(archive.manifest.audit_entries, reg.registry.audit_anchor(&me()).expect("anchor").0);
}
