//! `athar user add | list | disable | reset` and `athar serve`: the users of the web
//! application and its server, as the registry library and the server crate handle them; this
//! module reads passwords (a prompt that does not echo, or `--password-stdin`) and prints the
//! enrolment shown once.

use crate::Global;
use anyhow::{bail, Context, Result};
use athar_registry::escape_control as esc;
use athar_registry::{Enrolment, Role};
use clap::Subcommand;
use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user with one role. The password comes from a prompt (asked twice) or, with
    /// --password-stdin, from the first line of standard input: 12 characters at least, not a
    /// common one. Roles that see records get a second factor: scan the QR code printed with an
    /// authenticator app, and keep the recovery codes (shown once).
    Add {
        /// The user's sign-in name.
        name: String,
        /// admin (users and audit), investigator (full records, imports, exports), caseworker
        /// (inquiries, search, review), viewer (counts only).
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Read the password from standard input (one line) instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Every user: role, whether enrolled for a second factor, recovery codes left, disabled.
    List {
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Disable a user: their sessions end at once and no sign-in is accepted.
    Disable {
        /// The user's sign-in name.
        name: String,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// New password, second factor and recovery codes for a user (a forgotten password, a lost
    /// phone): their sessions end.
    Reset {
        /// The user's sign-in name.
        name: String,
        /// Read the password from standard input (one line) instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Give a user another role: their sessions and API tokens end at once.
    Role {
        /// The user's sign-in name.
        name: String,
        /// The new role: admin, investigator, caseworker or viewer.
        #[arg(value_parser = parse_role)]
        role: Role,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Issue an API token to a user, for some of what their role may do (scopes: counts,
    /// sources, read, search, judge, inquiries, flags, audit, import, export) and for some days (at most 365).
    /// The token is printed once; only its keyed hash is kept. It ends when it expires, is
    /// revoked, or the user is disabled, reset, given another role or changes their password.
    Token {
        /// The user's sign-in name.
        name: String,
        /// What the token may do, comma-separated (counts, sources, read, search, judge, inquiries,
        /// flags, audit, import, export): within the user's role.
        #[arg(long = "scope", value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        /// Days until the token expires (1 to 365).
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Every API token issued: user, scopes, expiry, whether revoked (never the secret).
    Tokens {
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Revoke an API token at once (its id, as `user tokens` lists it).
    Revoke {
        /// The token's id, as `user tokens` shows it.
        token_id: String,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::from_name(&s.to_lowercase())
        .ok_or_else(|| format!("'{s}' is not a role: admin, investigator, caseworker or viewer"))
}

pub fn run(g: &Global, cmd: UserCommand) -> Result<ExitCode> {
    let registry = g.registry()?;
    let me = g.party();
    match cmd {
        UserCommand::Add { name, role, password_stdin, json } => {
            let password = read_password(&name, password_stdin)?;
            let enrolment = registry.add_user(&me, &name, role, &password)?;
            show_enrolment(&enrolment, json, "added")?;
        }
        UserCommand::List { json } => {
            let users = registry.users(&me)?;
            if json {
                let rows: Vec<_> = users
                    .iter()
                    .map(|u| {
                        serde_json::json!({
                            "name": u.name, "role": u.role, "second_factor": u.has_totp,
                            "recovery_codes_left": u.recovery_left, "created_at": u.created_at,
                            "created_by": u.created_by, "disabled_at": u.disabled_at,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else if users.is_empty() {
                println!("no users yet: add one with athar user add NAME --role ROLE");
            } else {
                println!("{:<24} {:<13} {:<14} {:<9} state", "name", "role", "second factor", "recovery");
                for u in &users {
                    println!(
                        "{:<24} {:<13} {:<14} {:<9} {}",
                        esc(&u.name),
                        u.role,
                        if u.has_totp { "enrolled" } else { "none" },
                        u.recovery_left,
                        match &u.disabled_at {
                            Some(at) => format!("disabled {at}"),
                            None => "active".into(),
                        }
                    );
                }
            }
        }
        UserCommand::Disable { name, json } => {
            registry.disable_user(&me, &name)?;
            if json {
                println!("{}", serde_json::json!({"name": name, "disabled": true}));
            } else {
                println!("{} is disabled: their sessions have ended", esc(&name));
            }
        }
        UserCommand::Reset { name, password_stdin, json } => {
            let password = read_password(&name, password_stdin)?;
            let enrolment = registry.reset_user(&me, &name, &password)?;
            show_enrolment(&enrolment, json, "reset (their sessions have ended)")?;
        }
        UserCommand::Role { name, role, json } => {
            registry.set_role(&me, &name, role)?;
            if json {
                println!("{}", serde_json::json!({"name": name, "role": role.name()}));
            } else {
                println!("{} is now {} (their sessions and API tokens have ended)", esc(&name), role.name());
            }
        }
        UserCommand::Token { name, scopes, days, json } => {
            let issued = registry.issue_token(&me, &name, &scopes, days)?;
            if json {
                println!("{}", serde_json::to_string(&issued)?);
            } else {
                println!(
                    "API token {} for {} ({}), until {}:",
                    issued.token_id,
                    esc(&name),
                    issued.scopes.join(", "),
                    issued.expires_at
                );
                println!("{}", issued.token);
                println!(
                    "shown once: send it as 'Authorization: Bearer …'; athar user revoke {} ends it",
                    issued.token_id
                );
            }
        }
        UserCommand::Tokens { json } => {
            let tokens = registry.tokens(&me)?;
            if json {
                println!("{}", serde_json::to_string(&tokens)?);
            } else if tokens.is_empty() {
                println!("no API token was issued");
            } else {
                for t in &tokens {
                    println!(
                        "{}  {:<16}  {:<32}  until {}{}",
                        t.token_id,
                        esc(&t.user),
                        t.scopes.join(","),
                        t.expires_at,
                        t.revoked_at.as_ref().map(|r| format!("  REVOKED {r}")).unwrap_or_default()
                    );
                }
            }
        }
        UserCommand::Revoke { token_id, json } => {
            registry.revoke_token(&me, &token_id)?;
            if json {
                println!("{}", serde_json::json!({"token_id": token_id, "revoked": true}));
            } else {
                println!("API token {token_id} revoked");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `athar serve`: the web application over the registry at `--db`.
pub fn serve(
    g: &Global,
    addr: std::net::SocketAddr,
    insecure_http: bool,
    tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
    json: bool,
) -> Result<ExitCode> {
    let registry = g.registry()?;
    let say = |line: &str| {
        if json {
            println!("{}", serde_json::json!({ "status": line }));
        } else {
            eprintln!("{line}");
        }
    };
    if registry.users(&g.party())?.is_empty() {
        say("note: there are no users yet; add one with athar user add NAME --role admin");
    }
    let config = athar_server::Config { addr, insecure_http, tls };
    athar_server::serve(registry, config, &say)?;
    Ok(ExitCode::SUCCESS)
}

/// The password: the first line of standard input, or a prompt asked twice.
fn read_password(name: &str, from_stdin: bool) -> Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
        let password = line.trim_end_matches(['\n', '\r']).to_string();
        if password.is_empty() {
            bail!("--password-stdin: standard input held no password; nothing changed");
        }
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        bail!("no terminal to ask the password on: give it on standard input with --password-stdin; nothing changed");
    }
    let first = rpassword::prompt_password(format!("password for {} (12 characters at least): ", esc(name)))
        .context("cannot read the password")?;
    if let Some(problem) = athar_registry::password_problem(name, &first) {
        bail!("{problem}; nothing changed");
    }
    let second = rpassword::prompt_password("the same password again: ").context("cannot read the password")?;
    if first != second {
        bail!("the two passwords differ; nothing changed");
    }
    Ok(first)
}

fn show_enrolment(e: &Enrolment, json: bool, what: &str) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(e)?);
        return Ok(());
    }
    println!("user {} ({}) {what}", esc(&e.name), e.role.name());
    let Some(secret) = &e.totp_secret else {
        println!("this role signs in with the password alone (it sees no records)");
        return Ok(());
    };
    println!();
    println!("Second factor: scan this code with an authenticator app (or type the secret {secret}):");
    if let Some(qr) = &e.totp_qr_text {
        println!("{qr}");
    }
    if let Some(url) = &e.totp_url {
        println!("{url}");
    }
    println!();
    println!("Recovery codes, each usable once in place of a code (shown this once: give them to the user):");
    for c in &e.recovery_codes {
        println!("  {c}");
    }
    Ok(())
}
