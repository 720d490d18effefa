//! The users of the web application: who may add them, what a password must be, the two steps
//! of a sign-in (each TOTP code accepted once, each recovery code once), and sessions that end
//! when a user is disabled or reset — all in the audit chain, which shows an account changed
//! outside Athar.

mod common;

use athar_registry::{Actor, RegistryError, Role};
use common::{me, Reg};

const PASSWORD: &str = "olive tree by the old river";

fn code_now(secret_b32: &str, name: &str) -> String {
    let secret = totp_rs::Secret::Encoded(secret_b32.to_string()).to_bytes().expect("base32");
    let t = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, secret, Some("Athar".into()), name.into())
        .expect("totp");
    t.generate_current().expect("clock")
}

#[test]
fn only_an_admin_adds_users_and_a_weak_password_is_refused_with_its_reason() {
    let reg = Reg::new();
    let r = &reg.registry;
    let caseworker = Actor::new("c", &[Role::Caseworker]);
    let e = r.add_user(&caseworker, "sara", Role::Caseworker, PASSWORD).expect_err("not an admin");
    assert!(matches!(e, RegistryError::Forbidden { .. }), "{e}");
    let e = r.add_user(&me(), "sara", Role::Caseworker, "short").expect_err("short");
    assert!(e.to_string().contains("12 characters"), "{e}");
    let e = r.add_user(&me(), "sara", Role::Caseworker, "contortionist").expect_err("common");
    assert!(e.to_string().contains("common"), "{e}");
    let e = r.add_user(&me(), "sa ra", Role::Caseworker, PASSWORD).expect_err("space");
    assert!(e.to_string().contains("user name"), "{e}");
    assert!(r.users(&me()).expect("users").is_empty(), "nothing was written");
    let enrolment = r.add_user(&me(), "sara", Role::Caseworker, PASSWORD).expect("add");
    assert!(enrolment.totp_url.as_deref().is_some_and(|u| u.starts_with("otpauth://totp/")), "{enrolment:?}");
    assert_eq!(enrolment.recovery_codes.len(), 8);
    let e = r.add_user(&me(), "sara", Role::Viewer, PASSWORD).expect_err("taken");
    assert!(e.to_string().contains("exists already"), "{e}");
    let users = r.users(&me()).expect("users");
    assert_eq!(users.len(), 1);
    assert_ne!(users[0].password_hash, PASSWORD);
    assert!(users[0].password_hash.starts_with("$argon2id$"), "argon2id: {}", users[0].password_hash);
    assert!(r.verify_audit(&me(), false, None).expect("verify").verdict.ok, "the account is sealed in the chain");
}

#[test]
fn a_sign_in_takes_the_password_then_a_code_used_once() {
    let reg = Reg::new();
    let r = &reg.registry;
    let enrolment = r.add_user(&me(), "sara", Role::Caseworker, PASSWORD).expect("add");
    let secret = enrolment.totp_secret.clone().expect("a caseworker has a second factor");
    // Wrong name and wrong password give the same answer.
    let wrong_name = r.check_password("nobody", PASSWORD, "127.0.0.1").expect_err("no user");
    let wrong_password = r.check_password("sara", "not the password at all", "127.0.0.1").expect_err("wrong");
    assert_eq!(wrong_name.to_string(), wrong_password.to_string());
    let pending = r.check_password("sara", PASSWORD, "127.0.0.1").expect("password");
    assert!(pending.needs_code);
    assert!(r.check_code(&pending, "000000x", "127.0.0.1").is_err());
    let code = code_now(&secret, "sara");
    let actor = r.check_code(&pending, &code, "127.0.0.1").expect("code");
    assert_eq!(actor.roles, vec![Role::Caseworker]);
    let again = r.check_code(&pending, &code, "127.0.0.1").expect_err("a code is accepted once");
    assert!(matches!(again, RegistryError::SignInFailed));
    // A recovery code works once, written any way.
    let recovery = enrolment.recovery_codes[0].to_uppercase();
    r.check_code(&pending, &recovery, "127.0.0.1").expect("recovery code");
    assert!(r.check_code(&pending, &recovery, "127.0.0.1").is_err(), "used");
    assert_eq!(r.users(&me()).expect("users")[0].recovery_left, 7);
    // The session holds while the user does; disabling ends it, and refuses the password.
    assert!(r.session_actor("sara", pending.epoch).expect("session").is_some());
    r.disable_user(&me(), "sara").expect("disable");
    assert!(r.session_actor("sara", pending.epoch).expect("session").is_none());
    assert!(r.check_password("sara", PASSWORD, "127.0.0.1").is_err());
    assert!(r.disable_user(&me(), "sara").is_err(), "disabled already");
    // Every sign-in, failed or not, is in the chain, and the chain holds.
    let log = r.audit_log(&me(), 100).expect("log");
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.iter().filter(|a| **a == "signin.failed").count() >= 4, "{actions:?}");
    assert!(actions.contains(&"signin") && actions.contains(&"user.disable"), "{actions:?}");
    assert!(r.verify_audit(&me(), false, None).expect("verify").verdict.ok);
}

#[test]
fn a_reset_ends_sessions_and_gives_new_codes() {
    let reg = Reg::new();
    let r = &reg.registry;
    let first = r.add_user(&me(), "omar", Role::Investigator, PASSWORD).expect("add");
    let pending = r.check_password("omar", PASSWORD, "10.0.0.2").expect("password");
    let second = r.reset_user(&me(), "omar", "a brand new phrase of mine").expect("reset");
    assert_ne!(first.totp_secret, second.totp_secret);
    assert!(r.session_actor("omar", pending.epoch).expect("session").is_none(), "the old session ended");
    assert!(r.check_password("omar", PASSWORD, "10.0.0.2").is_err(), "the old password is gone");
    let p = r.check_password("omar", "a brand new phrase of mine", "10.0.0.2").expect("new password");
    assert!(r.check_code(&p, &first.recovery_codes[1], "10.0.0.2").is_err(), "old recovery codes are gone");
    r.check_code(&p, &second.recovery_codes[1], "10.0.0.2").expect("new recovery code");
    // A viewer needs no second factor: counts only.
    let v = r.add_user(&me(), "v", Role::Viewer, "counts are all I see").expect("viewer");
    assert!(v.totp_secret.is_none() && v.recovery_codes.is_empty());
    assert!(!r.check_password("v", "counts are all I see", "10.0.0.2").expect("viewer").needs_code);
}

#[test]
fn an_account_added_or_changed_in_the_database_shows_in_the_audit_check() {
    let reg = Reg::new();
    reg.registry.add_user(&me(), "sara", Role::Caseworker, PASSWORD).expect("add");
    let db = reg.dir.path().join("r.db");
    let conn = rusqlite::Connection::open(&db).expect("sqlite");
    conn.execute("UPDATE users SET role = 'investigator' WHERE name = 'sara'", []).expect("tamper");
    let verdict = reg.registry.verify_audit(&me(), false, None).expect("verify").verdict;
    let why = verdict.problem.expect("tampering shows");
    assert!(why.contains("user 'sara'") && why.contains("changed outside"), "{why}");
    // And until then it signs no one in: the row is checked against its seal at every use.
    assert!(matches!(reg.registry.check_password("sara", PASSWORD, "10.0.0.9"), Err(RegistryError::SignInFailed)));
    let pending =
        athar_registry::PasswordChecked { name: "sara".into(), role: Role::Investigator, epoch: 0, needs_code: true };
    assert!(reg.registry.session_actor(&pending.name, pending.epoch).expect("check").is_none(), "sessions end too");
    conn.execute("UPDATE users SET role = 'caseworker' WHERE name = 'sara'", []).expect("undo");
    assert!(reg.registry.check_password("sara", PASSWORD, "10.0.0.9").is_ok(), "as sealed again");
    conn.execute(
        "INSERT INTO users(name, role, password_hash, created_at, created_by) VALUES('eve', 'admin', 'x', 'now', 'eve')",
        [],
    )
    .expect("insert");
    let why = reg.registry.verify_audit(&me(), false, None).expect("verify").verdict.problem.expect("tampering shows");
    assert!(why.contains("user 'eve'") && why.contains("added outside"), "{why}");
    // An account inserted with a password hash of a known password still signs no one in.
    let hash: String =
        conn.query_row("SELECT password_hash FROM users WHERE name = 'sara'", [], |r| r.get(0)).expect("hash");
    conn.execute("UPDATE users SET password_hash = ?1 WHERE name = 'eve'", [hash]).expect("known password");
    assert!(matches!(reg.registry.check_password("eve", PASSWORD, "10.0.0.9"), Err(RegistryError::SignInFailed)));
}

#[test]
fn an_api_token_changed_or_added_in_the_file_opens_nothing_and_audit_verify_names_it() {
    let reg = Reg::new();
    let r = &reg.registry;
    r.add_user(&me(), "sara", Role::Caseworker, PASSWORD).expect("add");
    let issued = r.issue_token(&me(), "sara", &["search".into()], 7).expect("token");
    let actor = r.token_actor(&issued.token).expect("check").expect("in force");
    assert_eq!(actor.name, "sara");
    assert!(actor.may(athar_registry::Action::Search) && !actor.may(athar_registry::Action::ReadRecords));
    assert!(r.token_actor("athar_000000000000_00").expect("check").is_none());
    let db = rusqlite::Connection::open(reg.dir.path().join("r.db")).expect("open");
    db.execute("UPDATE api_tokens SET scopes = 'search,read,judge'", []).expect("widen");
    assert!(r.token_actor(&issued.token).expect("check").is_none(), "a widened token opens nothing");
    let v = r.verify_audit(&me(), false, None).expect("verify").verdict;
    assert!(v.problem.as_deref().unwrap_or("").contains(&format!("API token {}", issued.token_id)), "{v:?}");
    db.execute("UPDATE api_tokens SET scopes = 'search'", []).expect("put back");
    assert!(r.token_actor(&issued.token).expect("check").is_some(), "as sealed again");
    let e = r.issue_token(&me(), "sara", &["search".into()], 400).expect_err("too long");
    assert!(e.to_string().contains("365"), "{e}");
}

#[test]
fn a_user_changes_their_own_password_only_with_the_current_one_and_every_session_ends() {
    let reg = Reg::new();
    let r = &reg.registry;
    r.add_user(&me(), "olha", Role::Viewer, PASSWORD).expect("add");
    let pending = r.check_password("olha", PASSWORD, "127.0.0.1").expect("password");
    let olha = r.session_actor("olha", pending.epoch).expect("session").expect("signed in");
    let new = "sunflowers along the dnipro";
    // A wrong current password is a failed sign-in, and nothing changes.
    let e = r.change_own_password(&olha, "not my password at all", new, "127.0.0.1").expect_err("wrong");
    assert!(matches!(e, RegistryError::SignInFailed), "{e}");
    let e = r.change_own_password(&olha, PASSWORD, "short", "127.0.0.1").expect_err("weak");
    assert!(e.to_string().contains("12 characters") && e.to_string().contains("nothing changed"), "{e}");
    let e = r.change_own_password(&olha, PASSWORD, PASSWORD, "127.0.0.1").expect_err("same");
    assert!(e.to_string().contains("current one"), "{e}");
    assert!(r.session_actor("olha", pending.epoch).expect("session").is_some(), "nothing changed yet");
    r.change_own_password(&olha, PASSWORD, new, "127.0.0.1").expect("changed");
    assert!(r.session_actor("olha", pending.epoch).expect("session").is_none(), "the session ended");
    assert!(r.check_password("olha", PASSWORD, "127.0.0.1").is_err(), "the old password is gone");
    assert!(r.check_password("olha", new, "127.0.0.1").is_ok(), "the new one signs in");
    let report = r.verify_audit(&me(), false, None).expect("verify");
    assert!(report.verdict.ok, "the new password is sealed in the chain");
}
