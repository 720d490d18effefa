//! Exports: what leaves the registry, as one ZIP archive holding CSV files and a manifest —
//! what was exported, for whom, by whom and when, each file's SHA-256 and rows, and what was
//! left out and why. Two kinds: every record with its person (for the organisation's own
//! archive), and the leads of inquiries for one kind of recipient, each inquiry's data cut to
//! what its enquirer consented that recipient may receive. Investigators only; the front door
//! asks for the password again first. Records marked sensitive never leave in an export for a
//! recipient. Owns the bundle and its rules; writing it to a file or an HTTP answer is the
//! front door's.

use crate::consent::{check_recipient, Consent};
use crate::error::Result;
use crate::persons::ExportRecord;
use crate::{Action, Actor, Registry, RegistryError};
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use std::io::Write as _;

/// A cell safe to open in a spreadsheet: one that begins with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is a formula to Excel and LibreOffice (`=cmd|' /C calc'!A0`, `=HYPERLINK(…)`),
/// so it gets a leading apostrophe, as OWASP advises for CSV injection. A number such as `-5`
/// or `+963…` is neutralised too: in a list of names and identifiers, text is what is meant.
pub fn csv_cell(value: &str) -> std::borrow::Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => std::borrow::Cow::Owned(format!("'{value}")),
        _ => std::borrow::Cow::Borrowed(value),
    }
}

/// One file of an export.
#[derive(Debug, Clone)]
pub struct ExportFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A file as the manifest lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestFile {
    pub name: String,
    pub sha256: String,
    pub rows: usize,
}

/// What an export holds, for whom, and what it left out.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// `persons` or `inquiries`.
    pub kind: &'static str,
    /// The kind of recipient (`inquiries` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    pub made_at: String,
    pub made_by: String,
    /// Where the registry's audit chain stood: entries and head hash, after the export's own entry.
    pub audit_entries: i64,
    pub audit_head: String,
    pub files: Vec<ManifestFile>,
    /// What was left out, and why, in words.
    pub left_out: Vec<String>,
}

/// An export: its files and its manifest.
#[derive(Debug, Clone)]
pub struct ExportBundle {
    pub manifest: Manifest,
    pub files: Vec<ExportFile>,
}

impl ExportBundle {
    /// The archive: every file, then `manifest.json`.
    pub fn zip(&self) -> Result<Vec<u8>> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .unix_permissions(0o600);
        let fail =
            |e: &dyn std::fmt::Display| RegistryError::Invalid(format!("internal: cannot build the archive: {e}"));
        for f in &self.files {
            w.start_file(f.name.as_str(), opts).map_err(|e| fail(&e))?;
            w.write_all(&f.bytes).map_err(|e| fail(&e))?;
        }
        let manifest = serde_json::to_vec_pretty(&self.manifest).map_err(|e| fail(&e))?;
        w.start_file("manifest.json", opts).map_err(|e| fail(&e))?;
        w.write_all(&manifest).map_err(|e| fail(&e))?;
        Ok(w.finish().map_err(|e| fail(&e))?.into_inner())
    }
}

/// A CSV file from a header and rows, every cell made safe.
fn csv_file(name: &str, header: &[&str], rows: &[Vec<String>]) -> Result<(ExportFile, ManifestFile)> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: &dyn std::fmt::Display| RegistryError::Invalid(format!("internal: cannot write CSV: {e}"));
    w.write_record(header).map_err(|e| fail(&e))?;
    for r in rows {
        w.write_record(r.iter().map(|c| csv_cell(c).into_owned())).map_err(|e| fail(&e))?;
    }
    let bytes = w.into_inner().map_err(|e| fail(e.error()))?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    Ok((ExportFile { name: name.into(), bytes }, ManifestFile { name: name.into(), sha256, rows: rows.len() }))
}

/// The columns of an export for a recipient, with the category of data each belongs to.
const RECIPIENT_COLUMNS: [(&str, &str); 10] = [
    ("inquiry", "existence"),
    ("person_id", "existence"),
    ("probability", "existence"),
    ("status", "status"),
    ("facility", "whereabouts"),
    ("place", "whereabouts"),
    ("event_date", "whereabouts"),
    ("enquirer", "contact"),
    ("relationship", "contact"),
    ("contact", "contact"),
];

impl Registry {
    /// Every record with its person (records that matched nobody are their own person), as
    /// `persons.csv` with its manifest.
    pub fn export_persons_bundle(&self, actor: &Actor) -> Result<ExportBundle> {
        let rows = self.person_export_rows(actor)?;
        let rows: Vec<Vec<String>> = rows.iter().map(ExportRecord::cells).collect();
        let (file, listed) = csv_file("persons.csv", &ExportRecord::COLUMNS, &rows)?;
        self.bundle(actor, "persons", None, vec![(file, listed)], Vec::new())
    }

    /// The leads of every open inquiry for one kind of recipient, each inquiry cut to what its
    /// enquirer consented that recipient may receive: an inquiry whose consent does not let the
    /// recipient know that a record exists is left out whole; a column the consent does not
    /// cover is left empty; a dismissed lead, and a record marked sensitive, never leave.
    pub fn export_for_recipient(&self, actor: &Actor, recipient: &str) -> Result<ExportBundle> {
        actor.require(Action::Export)?;
        let recipient = check_recipient(recipient)?;
        let flagged = self.read(|s| Ok(s.flagged_records()?))?;
        let (rows, left_out) = self.read(|s| {
            let mut rows: Vec<Vec<String>> = Vec::new();
            let mut left_out = Vec::new();
            let (mut no_consent, mut unreadable, mut sensitive) = (0usize, 0usize, 0usize);
            for inquiry in s.inquiries(true)? {
                let Some((_, enquirer)) = s.inquiry(&inquiry.reference)? else { continue };
                let consent = match Consent::parse(&enquirer.consent) {
                    Ok(c) => c,
                    Err(_) => {
                        unreadable += 1;
                        continue;
                    }
                };
                if !consent.allows(recipient, "existence") {
                    no_consent += 1;
                    continue;
                }
                for lead in s.leads(&inquiry.reference)?.into_iter().filter(|l| l.dismissed.is_none()) {
                    let ids = self.person_record_ids(s, &lead.person_id)?;
                    let visible: Vec<i64> = ids.into_iter().filter(|id| !flagged.contains_key(id)).collect();
                    if visible.is_empty() {
                        sensitive += 1;
                        continue;
                    }
                    let mut values: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
                    for id in &visible {
                        if let Some(view) = s.record(&id.to_string())? {
                            for (k, v) in view.derived {
                                if let Some((col, _)) = RECIPIENT_COLUMNS.iter().find(|(c, _)| *c == k) {
                                    let slot = values.entry(col).or_default();
                                    if !v.is_empty() && !slot.contains(&v) {
                                        slot.push(v);
                                    }
                                }
                            }
                        }
                    }
                    let row = RECIPIENT_COLUMNS
                        .iter()
                        .map(|(col, cat)| {
                            if !consent.allows(recipient, cat) {
                                return String::new();
                            }
                            match *col {
                                "inquiry" => inquiry.reference.clone(),
                                "person_id" => lead.person_id.clone(),
                                "probability" => format!("{:.3}", lead.probability),
                                "enquirer" => enquirer.name.clone(),
                                "relationship" => enquirer.relationship.clone(),
                                "contact" => enquirer.contact.clone().unwrap_or_default(),
                                other => values.get(other).map(|v| v.join(" | ")).unwrap_or_default(),
                            }
                        })
                        .collect();
                    rows.push(row);
                }
            }
            if no_consent > 0 {
                left_out.push(format!("{no_consent} inquiries whose enquirer did not consent to {recipient} knowing"));
            }
            if unreadable > 0 {
                left_out.push(format!(
                    "{unreadable} inquiries whose consent is not written as clauses per recipient (nothing is \
                     shared on such a consent)"
                ));
            }
            if sensitive > 0 {
                left_out.push(format!("{sensitive} leads whose records are all marked sensitive"));
            }
            Ok((rows, left_out))
        })?;
        let header: Vec<&str> = RECIPIENT_COLUMNS.iter().map(|(c, _)| *c).collect();
        let (file, listed) = csv_file("leads.csv", &header, &rows)?;
        self.bundle(actor, "inquiries", Some(recipient), vec![(file, listed)], left_out)
    }

    /// Notes the export in the audit chain (its files' hashes in the encrypted detail) and
    /// makes its manifest.
    fn bundle(
        &self,
        actor: &Actor,
        kind: &'static str,
        recipient: Option<&str>,
        files: Vec<(ExportFile, ManifestFile)>,
        left_out: Vec<String>,
    ) -> Result<ExportBundle> {
        let rows: usize = files.iter().map(|(_, m)| m.rows).sum();
        let hashes: Vec<String> = files.iter().map(|(_, m)| format!("{} {}", m.sha256, m.name)).collect();
        let target = match recipient {
            Some(r) => format!("export:{kind}:{r}"),
            None => format!("export:{kind}"),
        };
        self.audit(actor, "export", Some(&target), Some(rows as i64), Some(&hashes.join("\n")))?;
        let (audit_entries, audit_head) = self.read(|s| Ok(s.audit_anchor()?))?;
        let (files, listed): (Vec<_>, Vec<_>) = files.into_iter().unzip();
        Ok(ExportBundle {
            manifest: Manifest {
                kind,
                recipient: recipient.map(str::to_string),
                made_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                made_by: actor.name.clone(),
                audit_entries,
                audit_head,
                files: listed,
                left_out,
            },
            files,
        })
    }
}
