//! The users of the web application and their sign-in: passwords (12 characters at least, no
//! rules of composition, not one of the 10,000 most common; argon2id), a TOTP second factor
//! (RFC 6238, each code accepted once, with recovery codes) for every role that sees records,
//! and the checks a server makes of a session on every request. Owns these use-cases; the
//! server owns sessions, cookies and rate limits.

use crate::error::{invalid, Result};
use crate::{Action, Actor, Registry, RegistryError, Role};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use athar_store::{Credentials, UserRow};
use serde::Serialize;
use std::collections::HashSet;
use std::sync::LazyLock;

/// Fewest characters of a password.
pub const MIN_PASSWORD: usize = 12;

/// TOTP: six digits, a code every 30 seconds, one step either side accepted (clocks drift).
const TOTP_STEP: u64 = 30;
const TOTP_DIGITS: usize = 6;

/// Recovery codes given with an enrolment.
const RECOVERY_CODES: usize = 8;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../../data/third_party/common_passwords.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect()
});

/// What a new (or reset) user is given once: the TOTP secret to enrol in an authenticator app,
/// its `otpauth://` address and QR code, and recovery codes. Shown once, never stored in clear.
#[derive(Debug, Clone, Serialize)]
pub struct Enrolment {
    pub name: String,
    pub role: Role,
    pub totp_secret: Option<String>,
    pub totp_url: Option<String>,
    /// The address as a QR code, for a terminal (block characters).
    #[serde(skip)]
    pub totp_qr_text: Option<String>,
    /// The address as a QR code, for a page (SVG).
    #[serde(skip)]
    pub totp_qr_svg: Option<String>,
    pub recovery_codes: Vec<String>,
}

/// A user as an administrator sees them.
pub type UserSummary = UserRow;

/// Whether a role signs in with a second factor: every role that sees records, and the
/// administrator, who can make users who see them.
pub fn needs_second_factor(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Investigator | Role::Caseworker)
}

/// Why a password is refused, in words.
pub fn password_problem(name: &str, password: &str) -> Option<String> {
    if password.chars().count() < MIN_PASSWORD {
        return Some(format!("a password has {MIN_PASSWORD} characters at least (a phrase of a few words is best)"));
    }
    let lower = password.to_lowercase();
    let sequence = [
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
        "12345678901234567890123456789",
        "qwertyuiopasdfghjklzxcvbnmqwertyuiop",
        "zyxwvutsrqponmlkjihgfedcbazyxwvutsrqponmlkjihgfedcba",
        "98765432109876543210987654321",
    ];
    let distinct = lower.chars().collect::<HashSet<char>>().len();
    if COMMON.contains(lower.as_str()) || sequence.iter().any(|s| s.contains(lower.as_str())) || distinct < 5 {
        return Some("this password is among the most common ones (or a plain sequence); choose another".into());
    }
    if lower.contains(&name.to_lowercase()) {
        return Some("a password must not contain the user's name".into());
    }
    None
}

fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| RegistryError::Invalid(format!("no randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| RegistryError::Invalid(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| RegistryError::Invalid(format!("cannot hash the password: {e}")))
}

fn password_matches(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash that no password matches, checked when the user does not exist, so that a wrong
/// name takes as long as a wrong password.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("athar: no user of this name").unwrap_or_default());

fn totp(secret: &[u8], name: &str) -> Result<totp_rs::TOTP> {
    totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        TOTP_DIGITS,
        1,
        TOTP_STEP,
        secret.to_vec(),
        Some("Athar".into()),
        name.to_string(),
    )
    .map_err(|e| RegistryError::Invalid(format!("TOTP: {e}")))
}

fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).map_err(|e| RegistryError::Invalid(format!("no randomness: {e}")))?;
    Ok(b)
}

/// New credentials for a user of `role`, and what they are shown once.
fn credentials(name: &str, role: Role, password: &str, keys: &athar_store::Keys) -> Result<(Credentials, Enrolment)> {
    if let Some(p) = password_problem(name, password) {
        invalid!("{p}; nothing changed");
    }
    let password_hash = hash_password(password)?;
    let (secret, url, qr_text, qr_svg) = if needs_second_factor(role) {
        let secret = random_bytes::<20>()?.to_vec();
        let t = totp(&secret, name)?;
        let url = t.get_url();
        let code = qrcode::QrCode::new(url.as_bytes()).map_err(|e| RegistryError::Invalid(format!("QR: {e}")))?;
        let text = code.render::<qrcode::render::unicode::Dense1x2>().quiet_zone(true).build();
        let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build();
        (Some(secret), Some(url), Some(text), Some(svg))
    } else {
        (None, None, None, None)
    };
    let mut codes = Vec::new();
    let mut hashes = Vec::new();
    if secret.is_some() {
        for _ in 0..RECOVERY_CODES {
            let b = random_bytes::<6>()?;
            let code: String = b.iter().map(|x| format!("{x:02x}")).collect::<String>();
            let code = format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..]);
            hashes.push(keys.identifier_hash(&code));
            codes.push(code);
        }
    }
    let enrolment = Enrolment {
        name: name.to_string(),
        role,
        totp_secret: secret.as_ref().map(|s| base32(s)),
        totp_url: url,
        totp_qr_text: qr_text,
        totp_qr_svg: qr_svg,
        recovery_codes: codes,
    };
    Ok((Credentials { password_hash, totp_secret: secret, recovery: hashes }, enrolment))
}

/// RFC 4648 base32 without padding, as authenticator apps take a secret.
fn base32(bytes: &[u8]) -> String {
    const A: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for b in bytes {
        buf = (buf << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            out.push(A[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(A[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// A user name: visible characters, no spaces at the ends, at most 64.
fn check_name(name: &str) -> Result<()> {
    if name.trim() != name
        || name.is_empty()
        || name.chars().count() > 64
        || name.chars().any(|c| c.is_control() || c == ':' || c.is_whitespace())
    {
        invalid!("a user name has 1 to 64 visible characters, without spaces or ':'; nothing changed");
    }
    Ok(())
}

/// The first step of a sign-in passed: the password was right.
#[derive(Debug, Clone)]
pub struct PasswordChecked {
    pub name: String,
    pub role: Role,
    pub epoch: i64,
    /// A code (TOTP or recovery) is needed before the user is signed in.
    pub needs_code: bool,
}

impl Registry {
    /// Adds a user with a role; the password is checked (12 characters at least, not among the
    /// most common, not the name) and kept as an argon2id hash. Roles that see records get a
    /// TOTP secret and recovery codes, shown once.
    pub fn add_user(&self, actor: &Actor, name: &str, role: Role, password: &str) -> Result<Enrolment> {
        actor.require(Action::Users)?;
        check_name(name)?;
        self.write(|s| {
            let (c, e) = credentials(name, role, password, s.keys())?;
            s.add_user(name, role.name(), &c, &actor.name)?;
            Ok(e)
        })
    }

    /// Every user: name, role, whether disabled, whether enrolled — no secret.
    pub fn users(&self, actor: &Actor) -> Result<Vec<UserSummary>> {
        actor.require(Action::Users)?;
        self.read(|s| Ok(s.users()?))
    }

    /// Disables a user: their sessions end, and no sign-in is accepted.
    pub fn disable_user(&self, actor: &Actor, name: &str) -> Result<()> {
        actor.require(Action::Users)?;
        if !self.write(|s| Ok(s.disable_user(name, &actor.name)?))? {
            return Err(RegistryError::NotFound(format!("no user '{name}' who is not disabled already")));
        }
        Ok(())
    }

    /// Gives a user another role: their sessions and API tokens end at once. A role that sees
    /// records needs a second factor: a user without one is given it by a reset first.
    pub fn set_role(&self, actor: &Actor, name: &str, role: Role) -> Result<()> {
        actor.require(Action::Users)?;
        self.write(|s| {
            let user = s
                .user(name)?
                .filter(|u| u.disabled_at.is_none())
                .ok_or_else(|| RegistryError::NotFound(format!("no user '{name}' who may sign in")))?;
            if user.role == role.name() {
                return Err(RegistryError::Invalid(format!("{name} is a {} already; nothing changed", role.name())));
            }
            if needs_second_factor(role) && !user.has_totp {
                return Err(RegistryError::Invalid(format!(
                    "a {} needs a second factor, which {name} has not: reset them first (athar user reset {name}), \
                     then give the role; nothing changed",
                    role.name()
                )));
            }
            s.set_user_role(name, role.name(), &actor.name)?;
            Ok(())
        })
    }

    /// New credentials for a user (a forgotten password, a lost phone): their sessions end.
    pub fn reset_user(&self, actor: &Actor, name: &str, password: &str) -> Result<Enrolment> {
        actor.require(Action::Users)?;
        self.write(|s| {
            let user = s.user(name)?.ok_or_else(|| RegistryError::NotFound(format!("no user '{name}'")))?;
            let role = Role::from_name(&user.role).unwrap_or(Role::Viewer);
            let (c, e) = credentials(name, role, password, s.keys())?;
            s.reset_user(name, &c, &actor.name)?;
            Ok(e)
        })
    }

    /// The first step of a sign-in: the password. Every failure gives [`RegistryError::SignInFailed`] and
    /// is audited; a wrong name takes as long as a wrong password.
    pub fn check_password(&self, name: &str, password: &str, from: &str) -> Result<PasswordChecked> {
        let user = self.read(|s| Ok(s.sealed_user(name)?))?;
        let ok = match &user {
            Some(u) => password_matches(&u.password_hash, password) && u.disabled_at.is_none(),
            None => {
                let _ = password_matches(&DUMMY_HASH, password);
                false
            }
        };
        let Some(u) = user.filter(|_| ok) else {
            self.sign_in_failed(name, from)?;
            return Err(RegistryError::SignInFailed);
        };
        let role = Role::from_name(&u.role).unwrap_or(Role::Viewer);
        let needs_code = needs_second_factor(role) || u.has_totp;
        if !needs_code {
            self.sign_in_audit(&u.name, from)?;
        }
        Ok(PasswordChecked { name: u.name, role, epoch: u.epoch, needs_code })
    }

    /// The second step: a TOTP code (accepted once: a code used already, even a valid one, is
    /// refused) or one of the recovery codes (each used once). Returns the signed-in actor.
    pub fn check_code(&self, pending: &PasswordChecked, code: &str, from: &str) -> Result<Actor> {
        let code = code.trim();
        let ok = self.write(|s| {
            let Some(user) =
                s.sealed_user(&pending.name)?.filter(|u| u.disabled_at.is_none() && u.epoch == pending.epoch)
            else {
                return Ok(false);
            };
            if code.len() == TOTP_DIGITS && code.bytes().all(|b| b.is_ascii_digit()) {
                let Some(secret) = s.user_totp_secret(&user.name)? else { return Ok(false) };
                let t = totp(&secret, &user.name)?;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                let step = now / TOTP_STEP;
                for st in [step.saturating_sub(1), step, step + 1] {
                    if t.generate(st * TOTP_STEP) == code {
                        return Ok(s.accept_totp_step(&user.name, st as i64)?);
                    }
                }
                Ok(false)
            } else {
                let code: String = code.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
                let hash = s.keys().identifier_hash(&code);
                Ok(s.use_recovery_code(&user.name, &hash)?)
            }
        })?;
        if !ok {
            self.sign_in_failed(&pending.name, from)?;
            return Err(RegistryError::SignInFailed);
        }
        self.sign_in_audit(&pending.name, from)?;
        Ok(Actor::new(pending.name.clone(), &[pending.role]))
    }

    /// Asks a signed-in user for their password again before a grave action (a user change, an
    /// export, a purge). A wrong one is audited and refused as a failed sign-in.
    pub fn reauthenticate(&self, actor: &Actor, password: &str, from: &str) -> Result<()> {
        let user = self.read(|s| Ok(s.sealed_user(&actor.name)?));
        let ok =
            matches!(&user, Ok(Some(u)) if u.disabled_at.is_none() && password_matches(&u.password_hash, password));
        if !ok {
            self.audit_as(&actor.name, "reauth.failed", Some(from), None, None)?;
            return Err(RegistryError::SignInFailed);
        }
        Ok(())
    }

    /// A signed-in user's own new password, confirmed by the current one (a wrong one is a
    /// failed sign-in, audited). The new one is checked like any other; every session and API
    /// token of the user ends, so the one asking signs in again.
    pub fn change_own_password(&self, actor: &Actor, current: &str, new: &str, from: &str) -> Result<()> {
        self.reauthenticate(actor, current, from)?;
        if new == current {
            invalid!("the new password is the current one; nothing changed");
        }
        if let Some(p) = password_problem(&actor.name, new) {
            invalid!("{p}; nothing changed");
        }
        let hash = hash_password(new)?;
        if !self.write(|s| Ok(s.set_password(&actor.name, &hash, &actor.name)?))? {
            return Err(RegistryError::NotFound(format!("no user '{}' who may sign in", actor.name)));
        }
        Ok(())
    }

    /// Whether a session's user may still act (not disabled, not reset, same role): the actor,
    /// or `None` when the session must end. Checked on every request.
    pub fn session_actor(&self, name: &str, epoch: i64) -> Result<Option<Actor>> {
        let user = self.read(|s| Ok(s.sealed_user(name)?))?;
        Ok(user
            .filter(|u| u.disabled_at.is_none() && u.epoch == epoch)
            .map(|u| Actor::new(u.name, &[Role::from_name(&u.role).unwrap_or(Role::Viewer)])))
    }

    fn sign_in_failed(&self, name: &str, from: &str) -> Result<()> {
        // The name as typed may be anything: it is kept only encrypted.
        self.audit_as("someone", "signin.failed", Some(from), None, Some(name))
    }

    fn sign_in_audit(&self, name: &str, from: &str) -> Result<()> {
        self.audit_as(name, "signin", Some(from), None, None)
    }

    /// Notes a refusal (a 403 or a 429 of a front door) in the audit chain.
    pub fn audit_refusal(&self, actor: Option<&Actor>, what: &str, target: &str) -> Result<()> {
        let name = actor.map(|a| a.name.as_str()).unwrap_or("someone");
        self.audit_as(name, what, Some(target), None, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_length_not_rules_and_not_a_common_one() {
        assert!(password_problem("ali", "short").is_some());
        assert!(password_problem("ali", "123456789012").is_some_and(|p| p.contains("common")));
        assert!(password_problem("ali", "qwertyuiopas").is_some_and(|p| p.contains("common")));
        assert!(password_problem("ali", "abababababab").is_some_and(|p| p.contains("common")));
        assert!(password_problem("ali", "contortionist").is_some_and(|p| p.contains("common")), "from the list");
        assert!(password_problem("ali", "my name is ali!!").is_some_and(|p| p.contains("name")));
        assert!(password_problem("ali", "olive tree by the river").is_none());
        assert!(password_problem("ali", "شجرة الزيتون قرب النهر").is_none(), "any script");
    }

    #[test]
    fn base32_is_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"f"), "MY");
    }
}
