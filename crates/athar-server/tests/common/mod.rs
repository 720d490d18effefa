//! What the web application's tests share: a registry with one user of each role (their
//! second factors and recovery codes), and lists imported and linked as an operator would.

#![allow(dead_code)]

use athar_registry::{Actor, Registry, Role};
use athar_server::{router, App};
use axum::extract::connect_info::MockConnectInfo;
use axum::Router;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

pub const PASSWORD: &str = "olive tree by the old river";

pub struct Site {
    pub _dir: tempfile::TempDir,
    pub app: Arc<App>,
    /// The router, as if every request came from 10.0.0.7.
    pub router: Router,
    pub secrets: HashMap<String, String>,
    pub recovery: std::sync::Mutex<HashMap<String, Vec<String>>>,
    /// Users signed in once already: their next sign-in takes a recovery code (a TOTP code is
    /// accepted once, and a test runs within one 30-second step).
    pub signed: std::sync::Mutex<std::collections::HashSet<String>>,
}

pub fn local() -> Actor {
    Actor::local("operator")
}

impl Site {
    /// A new registry with ada (admin), ivan (investigator), cora (caseworker), vera (viewer).
    pub fn new() -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("r.db");
        let (registry, _) = Registry::init(&db, &dir.path().join("r.key"), &local()).expect("init");
        let mut secrets = HashMap::new();
        let mut recovery = HashMap::new();
        for (name, role) in
            [("ada", Role::Admin), ("ivan", Role::Investigator), ("cora", Role::Caseworker), ("vera", Role::Viewer)]
        {
            let e = registry.add_user(&local(), name, role, PASSWORD).expect("add user");
            if let Some(s) = e.totp_secret {
                secrets.insert(name.to_string(), s);
            }
            recovery.insert(name.to_string(), e.recovery_codes);
        }
        let app = Arc::new(App::new(Arc::new(registry)).expect("app"));
        let router = router(app.clone()).layer(MockConnectInfo(SocketAddr::from(([10, 0, 0, 7], 4242))));
        Site { _dir: dir, app, router, secrets, recovery: recovery.into(), signed: Default::default() }
    }

    /// The TOTP code of `name` now.
    pub fn code(&self, name: &str) -> String {
        let secret = totp_rs::Secret::Encoded(self.secrets[name].clone()).to_bytes().expect("base32");
        let t = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, secret, Some("Athar".into()), name.into())
            .expect("totp");
        t.generate_current().expect("clock")
    }

    /// The code for `name`'s next sign-in: the TOTP code the first time, a recovery code after.
    pub fn next_code(&self, name: &str) -> String {
        if self.signed.lock().expect("lock").insert(name.to_string()) {
            self.code(name)
        } else {
            self.recovery.lock().expect("lock").get_mut(name).and_then(|c| c.pop()).expect("a recovery code")
        }
    }
}

/// Two lists (Arabic and Latin script) imported and linked, as the operator would.
pub fn with_lists(site: &Site) -> std::path::PathBuf {
    use athar_registry::import::{ImportRequest, SourceKind};
    let dir = site._dir.path();
    let ar = dir.join("ar.csv");
    std::fs::write(
        &ar,
        "الاسم,اسم الأب,الكنية,اسم الأم,تاريخ الولادة\nمحمد,أحمد,الحلبي,فاطمة,1985\nخالد,عمر,الشامي,زينب,1990\n",
    )
    .expect("write");
    let en = dir.join("en.csv");
    std::fs::write(
        &en,
        "given_name,father_name,family_name,mother_name,birth_date\nMohammed,Ahmad,Al-Halabi,Fatima,1985\n",
    )
    .expect("write");
    for (file, name) in [(&ar, "register-ar"), (&en, "ngo-en")] {
        let mut req = ImportRequest::new(file.clone(), name);
        req.kind = SourceKind::NgoList;
        site.app.registry.import(&local(), &req, &athar_registry::Silent).expect("import");
    }
    site.app.registry.link(&local(), &Default::default(), &athar_registry::Silent).expect("link");
    ar
}

/// Generated lists of `persons` (several lists, scripts and spellings), imported and linked.
pub fn with_generated(site: &Site, persons: usize) {
    use athar_registry::import::{ImportRequest, SourceKind};
    let set = athar_synth::generate(persons, 7);
    for l in &set.lists {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&l.headers).expect("header");
        for r in &l.rows {
            w.write_record(r).expect("row");
        }
        let file = site._dir.path().join(format!("{}.csv", l.name));
        std::fs::write(&file, w.into_inner().expect("csv")).expect("write");
        let mut req = ImportRequest::new(file, &l.name);
        req.kind = SourceKind::NgoList;
        site.app.registry.import(&local(), &req, &athar_registry::Silent).expect("import");
    }
    site.app.registry.link(&local(), &Default::default(), &athar_registry::Silent).expect("link");
}
