//! What the registry's tests share: a registry in a temporary folder, lists written as files,
//! generated lists and their queries.

#![allow(dead_code)]

use athar_registry::import::{ImportRequest, SourceKind};
use athar_registry::{Actor, Registry, Silent};
use athar_search::Query;
use std::path::PathBuf;

pub struct Reg {
    pub dir: tempfile::TempDir,
    pub registry: Registry,
}

pub fn me() -> Actor {
    Actor::local("tester")
}

impl Reg {
    pub fn new() -> Reg {
        let dir = tempfile::tempdir().expect("temp dir");
        let (registry, _) = Registry::init(&dir.path().join("r.db"), &dir.path().join("r.key"), &me()).expect("init");
        Reg { dir, registry }
    }

    /// Another registry on the same files: as another process would open them.
    pub fn other(&self) -> Registry {
        Registry::open(&self.dir.path().join("r.db"), &self.dir.path().join("r.key")).expect("open")
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    pub fn import(&self, name: &str, text: &str) -> athar_registry::import::ImportReport {
        import_into(&self.registry, self.write(name, text), name)
    }
}

pub fn import_into(registry: &Registry, file: PathBuf, source: &str) -> athar_registry::import::ImportReport {
    let mut req = ImportRequest::new(file, source);
    req.kind = SourceKind::NgoList;
    registry.import(&me(), &req, &Silent).expect("import")
}

pub fn name_query(name: &str) -> Query {
    Query { name: Some(name.into()), ..Query::default() }
}

/// Generated lists as CSV text (name, text), and their family-style queries.
pub fn synth(persons: usize, seed: u64) -> (Vec<(String, String)>, Vec<Query>) {
    let set = athar_synth::generate(persons, seed);
    let lists = set
        .lists
        .iter()
        .map(|l| {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(&l.headers).expect("header");
            for r in &l.rows {
                w.write_record(r).expect("row");
            }
            (l.name.clone(), String::from_utf8(w.into_inner().expect("csv")).expect("utf-8"))
        })
        .collect();
    let queries = set
        .queries
        .iter()
        .map(|q| {
            let get = |i: usize| Some(q[i].clone()).filter(|s| !s.trim().is_empty());
            Query { name: get(1), father: get(2), mother: get(3), born: get(4), place: get(5), ..Query::default() }
        })
        .collect();
    (lists, queries)
}
