//! Resolves the command line and the environment once: the portal URL and token, colour, and
//! whether a person is at the terminal. Jobs receive these decisions and never look again.

use crate::cli::{ColorChoice, PortalArgs, SelectArgs};
use crate::docspace::RateLimit;
use crate::plan::PlanOptions;
use crate::plan::saved::{PLAN_KEY_VARIABLE, PlanKey};
use crate::portal::{Parallelism, PortalConfig};
use anyhow::{Context, bail};
use reqwest::Url;
use secrecy::SecretString;
use std::io::IsTerminal;
use std::time::Duration;

/// How output should look, decided once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    /// Colour on stdout (never for JSON; the job decides that).
    pub stdout_color: bool,
    /// Colour on stderr.
    pub stderr_color: bool,
    /// A person can answer a prompt.
    pub interactive: bool,
    /// stderr is a terminal, so a progress bar can be drawn.
    pub stderr_terminal: bool,
}

impl Output {
    /// Decides colour and interactivity from `--color`, `NO_COLOR` and the terminals.
    pub fn resolve(choice: ColorChoice) -> Output {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let stdout_terminal = std::io::stdout().is_terminal();
        let stderr_terminal = std::io::stderr().is_terminal();
        let wants = |terminal: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !no_color,
        };
        Output {
            stdout_color: wants(stdout_terminal),
            stderr_color: wants(stderr_terminal),
            interactive: std::io::stdin().is_terminal() && stderr_terminal,
            stderr_terminal,
        }
    }
}

/// What `--target`, `--exclude` and `--force` ask of the planner.
pub(crate) fn plan_options(select: &SelectArgs) -> PlanOptions {
    PlanOptions {
        targets: select.targets.clone(),
        excludes: select.excludes.clone(),
        force: select.force,
        now: crate::time::now(),
    }
}

/// The key that signs saved plans and checks them (`DOCSPACE_PLAN_KEY`): `None` when unset.
/// Set but blank or short (after trimming) is an error (a job that means to sign must not
/// silently not sign); the value is never shown.
pub(crate) fn plan_key() -> anyhow::Result<Option<PlanKey>> {
    let Some(value) = std::env::var_os(PLAN_KEY_VARIABLE) else { return Ok(None) };
    PlanKey::new(value.into_encoded_bytes()).map(Some)
}

/// The portal to talk to, from `--portal`/`DOCSPACE_URL` and `--token-file`/`DOCSPACE_TOKEN`.
pub(crate) fn portal(args: &PortalArgs) -> anyhow::Result<PortalConfig> {
    let Some(raw_url) = args.portal.as_deref().map(str::trim).filter(|url| !url.is_empty()) else {
        bail!("no portal given: set `DOCSPACE_URL` or pass `--portal URL`");
    };
    let base_url = parse_portal_url(raw_url, args.insecure_http)?;
    let token = token(args)?;
    let mut config = PortalConfig::new(base_url, token);
    // clap allows 1 to 50 only.
    config.parallelism = Parallelism::new(usize::from(args.parallelism)).unwrap_or_default();
    config.operation_timeout = Duration::from_secs(args.operation_timeout);
    config.retry_budget = Duration::from_secs(args.retry_budget);
    config.create_lookup_window = Duration::from_secs(args.create_lookup_window);
    config.max_rate = args
        .max_rate
        .as_deref()
        .map(str::parse::<RateLimit>)
        .transpose()
        .map_err(|err| anyhow::anyhow!("--max-rate: {err}"))?;
    Ok(config)
}

/// A portal URL: `https://`, or `http://` to a loopback address, or `http://` anywhere with
/// `--insecure-http` (the token would cross the network in clear).
pub(crate) fn parse_portal_url(raw: &str, insecure_http: bool) -> anyhow::Result<Url> {
    let url = Url::parse(raw).with_context(|| {
        format!("`{raw}` is not a portal URL (expected e.g. `https://example.onlyoffice.com`)")
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        bail!("the portal URL must not carry credentials; use `DOCSPACE_TOKEN` or `--token-file`");
    }
    match url.scheme() {
        "https" => {}
        "http" if insecure_http || is_loopback(&url) => {}
        "http" => bail!(
            "refusing plain `http://` to `{}`: the token would be sent in clear; use `https://` or pass `--insecure-http`",
            url.host_str().unwrap_or_default()
        ),
        other => bail!("unsupported scheme `{other}` in the portal URL; use `https://`"),
    }
    if url.query().is_some() || url.fragment().is_some() {
        bail!("the portal URL must not have a query or fragment: `{raw}`");
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn token(args: &PortalArgs) -> anyhow::Result<SecretString> {
    let token = match &args.token_file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the token file `{}`", path.display()))?,
        None => match std::env::var("DOCSPACE_TOKEN") {
            Ok(token) => token,
            Err(std::env::VarError::NotPresent) => {
                bail!("no token given: set `DOCSPACE_TOKEN` or pass `--token-file PATH`")
            }
            Err(std::env::VarError::NotUnicode(_)) => bail!("`DOCSPACE_TOKEN` is not valid UTF-8"),
        },
    };
    // A file saved by an editor that marks UTF-8 (Windows Notepad), or a variable filled from
    // one, starts with a byte order mark, which no token has.
    let token = token.strip_prefix('\u{feff}').unwrap_or(&token).trim();
    if token.is_empty() {
        bail!("the token is empty: set `DOCSPACE_TOKEN` or pass `--token-file PATH`");
    }
    if token.chars().any(|c| c.is_control() || c == ' ') {
        bail!(
            "the token contains spaces or control characters; check `DOCSPACE_TOKEN` or the token file"
        );
    }
    Ok(SecretString::from(token.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_off_loopback() {
        let err = parse_portal_url("http://docs.example.com", false).unwrap_err();
        assert!(err.to_string().contains("--insecure-http"), "{err}");
        assert!(parse_portal_url("http://docs.example.com", true).is_ok());
    }

    #[test]
    fn plain_http_is_allowed_on_loopback() {
        for url in ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9"] {
            assert!(parse_portal_url(url, false).is_ok(), "{url}");
        }
    }

    #[test]
    fn credentials_in_the_url_are_refused() {
        assert!(parse_portal_url("https://u:p@example.com", false).is_err());
    }
}
