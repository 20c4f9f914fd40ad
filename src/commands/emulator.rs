//! `docspace-rooms emulator`: serve the emulated rooms API until Ctrl-C.

use crate::cli::{EmulatedVersion, EmulatorArgs};
use crate::docspace::RateLimit;
use crate::emulator::faults::{Behaviour, PortalVersion};
use crate::emulator::{Emulator, EmulatorConfig, Limiter};
use anyhow::{Context, anyhow};
use std::net::SocketAddr;

/// Serves the emulator with the command's settings until Ctrl-C.
pub(crate) async fn run(args: &EmulatorArgs) -> anyhow::Result<()> {
    let listen: SocketAddr = args.listen.parse().with_context(|| {
        format!("--listen {:?} is not an address like 127.0.0.1:8080", args.listen)
    })?;
    let limiter = limiter(args)?;
    let version = match args.portal_version {
        EmulatedVersion::V3_7_2 => PortalVersion::V3_7_2,
        EmulatedVersion::Newer => PortalVersion::Newer,
    };
    let config = EmulatorConfig {
        token: args.token.clone(),
        state_file: args.state.clone(),
        seed_file: args.seed.clone(),
        listen,
        behaviour: Behaviour { version, limiter: limiter.clone(), ..Behaviour::default() },
        ..EmulatorConfig::default()
    };
    let emulator = Emulator::start(config).await?;
    // Before the address is printed, so no client sees it half seeded.
    let demo = args.demo.then(|| emulator.seed_demo());
    let everywhere = if listen.ip().is_unspecified() { " (on every interface)" } else { "" };
    crate::outln!("DocSpace emulator listening on {}{everywhere}", emulator.url())?;
    crate::outln!("API token: {}", emulator.token())?;
    crate::outln!("Login: {} / {}", emulator.owner_email(), emulator.password())?;
    if let Some(seeded) = demo {
        crate::outln!(
            "The demo's portal: {} rooms and {} people. Plan the example against it with\n  DOCSPACE_URL={} DOCSPACE_TOKEN={} docspace-rooms plan -f examples/rooms.yaml\n(`docspace-rooms demo --print-manifest > examples/rooms.yaml` writes the example.)",
            seeded.rooms,
            seeded.people,
            emulator.url(),
            emulator.token()
        )?;
    }
    if limiter.is_on() {
        crate::outln!("Rate limits per user: {}", describe(&limiter))?;
    }
    crate::outln!("Press Ctrl-C to stop.")?;
    emulator.run_until_signal().await
}

/// The limits the flags ask for: `--cloud-limits` first, then each flag over it.
fn limiter(args: &EmulatorArgs) -> anyhow::Result<Limiter> {
    let mut limiter = if args.cloud_limits { Limiter::cloud() } else { Limiter::default() };
    if let Some(rate) = &args.rate_limit {
        limiter.window =
            Some(rate.parse::<RateLimit>().map_err(|err| anyhow!("--rate-limit: {err}"))?);
    }
    limiter.concurrency |= args.concurrency_limit;
    // A bare number is per day.
    let per_day = |text: &str, flag: &str| {
        let text = if text.contains('/') { text.to_owned() } else { format!("{text}/1d") };
        text.parse::<RateLimit>().map_err(|err| anyhow!("{flag}: {err}"))
    };
    if let Some(daily) = &args.daily_write_limit {
        limiter.daily_writes = Some(per_day(daily, "--daily-write-limit")?);
    }
    if let Some(invitations) = &args.email_invitation_limit {
        limiter.email_invitations = Some(per_day(invitations, "--email-invitation-limit")?);
    }
    Ok(limiter)
}

/// `1500 requests per 60 s; 50 GET and 15 other requests at once; 10000 POST and PUT per 86400 s`.
fn describe(limiter: &Limiter) -> String {
    let mut parts = Vec::new();
    if let Some(window) = limiter.window {
        parts.push(format!("{} requests per {} s", window.limit, window.window.as_secs_f64()));
    }
    if limiter.concurrency {
        parts.push("50 GET and 15 other requests at once".to_owned());
    }
    if let Some(daily) = limiter.daily_writes {
        parts.push(format!("{} POST and PUT per {} s", daily.limit, daily.window.as_secs_f64()));
    }
    if let Some(invitations) = limiter.email_invitations {
        parts.push(format!(
            "{} email invitations per {} s",
            invitations.limit,
            invitations.window.as_secs_f64()
        ));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docspace::{DAILY_WRITE_LIMIT, WINDOW_LIMIT};
    use clap::Parser;

    fn args(flags: &[&str]) -> EmulatorArgs {
        let cli = crate::cli::Cli::try_parse_from(
            ["docspace-rooms", "emulator"].iter().chain(flags).copied(),
        )
        .unwrap();
        match cli.command {
            crate::cli::Command::Emulator(args) => args,
            _ => unreachable!(),
        }
    }

    #[test]
    fn the_limit_flags_build_the_limiter_and_override_the_cloud_preset() {
        assert_eq!(limiter(&args(&[])).unwrap(), Limiter::default());
        assert_eq!(limiter(&args(&["--cloud-limits"])).unwrap(), Limiter::cloud());
        assert_eq!(Limiter::cloud().window, Some(WINDOW_LIMIT));
        assert_eq!(Limiter::cloud().daily_writes, Some(DAILY_WRITE_LIMIT));
        let custom = limiter(&args(&[
            "--cloud-limits",
            "--rate-limit",
            "150/6s",
            "--daily-write-limit",
            "20",
            "--email-invitation-limit",
            "5",
        ]))
        .unwrap();
        assert_eq!(custom.email_invitations, Some("5/1d".parse().unwrap()));
        assert_eq!(Limiter::cloud().email_invitations, None);
        assert_eq!(custom.window, Some("150/6s".parse().unwrap()));
        assert_eq!(custom.daily_writes, Some("20/1d".parse().unwrap()));
        assert!(custom.concurrency);
        let err = limiter(&args(&["--rate-limit", "fast"])).unwrap_err();
        assert!(err.to_string().starts_with("--rate-limit: `fast` is not a rate"), "{err}");
        assert_eq!(
            describe(&Limiter::cloud()),
            "1500 requests per 60 s; 50 GET and 15 other requests at once; 10000 POST and PUT per 86400 s"
        );
    }
}
