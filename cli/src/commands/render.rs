//! `orderstatus render`: the exact request(s) the function would send for these messages,
//! built by the platform's own mapping and encoding, sent nowhere, the ledger untouched.
//!
//! The ledger is not read, so everything is rendered as a first upload (for CV3: the
//! shopper-notification flag is set wherever the message has tracking).

use clap::Args;
use orderstatus::message::PlatformName;
use orderstatus::platform::{Action, Platform, RenderedRequest};
use serde::Serialize;
use serde_json::json;

use crate::account::{self, AccountArgs};
use crate::dispatch::{PlatformCommand, dispatch};
use crate::failure::Failure;
use crate::input::{self, Expect, InputArgs, Messages, Problem};
use crate::output::{indent_xml, print_json, table};
use crate::platform_parser;
use crate::settings::Settings;

#[derive(Args)]
pub struct RenderArgs {
    /// The platform whose request to render.
    #[arg(long, value_parser = platform_parser())]
    platform: PlatformName,
    #[command(flatten)]
    account: AccountArgs,
    #[command(flatten)]
    input: InputArgs,
}

/// One message's share of the rendering: what the mapping made of it.
#[derive(Serialize)]
struct UnitView {
    line: usize,
    target: String,
    status: &'static str,
    action: String,
    fingerprint: String,
}

pub async fn run(args: RenderArgs, json: bool) -> Result<(), Failure> {
    let expect = Expect {
        platform: args.platform,
        account: Some(&args.account.account),
    };
    let messages = input::read(&args.input, expect)?;
    let settings = Settings::new(args.platform).with(
        ("SECRETS_PREFIX", "--secrets-prefix"),
        args.account.secrets_prefix.as_ref(),
    );
    let render = Render {
        args: &args,
        settings: &settings,
        messages,
    };
    let (units, requests, problems) = dispatch(args.platform, render).await?;
    if json {
        print_json(&json!({
            "units": units,
            "requests": requests,
            "invalid": problems,
        }));
    } else {
        print_human(&units, &requests, &problems);
    }
    if !problems.is_empty() {
        return Err(Failure::Reported(format!(
            "{} message(s) could not be rendered",
            problems.len()
        )));
    }
    Ok(())
}

struct Render<'a> {
    args: &'a RenderArgs,
    settings: &'a Settings,
    messages: Messages,
}

impl PlatformCommand for Render<'_> {
    type Output = (Vec<UnitView>, Vec<RenderedRequest>, Vec<Problem>);

    async fn run<P: Platform>(self, platform: P) -> Result<Self::Output, Failure> {
        let account = account::load::<P>(&self.args.account, self.settings).await?;
        let mut problems = self.messages.problems;
        let mut views = Vec::new();
        let mut payloads = Vec::new();
        for valid in &self.messages.valid {
            let units = match platform.map(&valid.message, &account) {
                Ok(units) => units,
                Err(invalid) => {
                    problems.push(Problem {
                        line: valid.line,
                        field: invalid.field,
                        problem: invalid.problem,
                    });
                    continue;
                }
            };
            for mut unit in units {
                // As a first upload: nothing in the ledger (which render does not read).
                platform.prepare(&mut unit, None);
                views.push(UnitView {
                    line: valid.line,
                    target: unit.target.to_string(),
                    status: unit.status.as_str(),
                    action: match &unit.action {
                        Action::Upload(_) => "upload".to_owned(),
                        Action::Skip { reason } => format!("skip: {reason}"),
                    },
                    fingerprint: unit.fingerprint,
                });
                if let Action::Upload(payload) = unit.action {
                    payloads.push(payload);
                }
            }
        }
        let batch: Vec<&P::Payload> = payloads.iter().collect();
        let requests = batch
            .chunks(account.batch_size)
            .flat_map(|chunk| platform.render(&account, chunk))
            .collect();
        problems.sort_by_key(|p| p.line);
        Ok((views, requests, problems))
    }
}

fn print_human(units: &[UnitView], requests: &[RenderedRequest], problems: &[Problem]) {
    for problem in problems {
        eprintln!("{problem}");
    }
    let rows: Vec<Vec<String>> = units
        .iter()
        .map(|u| {
            vec![
                u.line.to_string(),
                u.target.clone(),
                u.status.to_owned(),
                u.fingerprint.clone(),
                u.action.clone(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        println!(
            "{}\n",
            table(
                &["LINE", "TARGET", "STATUS", "FINGERPRINT", "ACTION"],
                &rows
            )
        );
    }
    let count = requests.len();
    for (i, request) in requests.iter().enumerate() {
        println!(
            "=== request {} of {count}: {} {}",
            i + 1,
            request.method,
            request.url
        );
        for (name, value) in &request.headers {
            println!("{name}: {value}");
        }
        println!("\n{}", request.body);
        for (name, text) in &request.extras {
            let shown = indent_xml(text).unwrap_or_else(|| text.clone());
            println!("\n--- {name}\n{shown}");
        }
        println!();
    }
    println!(
        "{count} request(s) for {} unit(s); nothing was sent",
        units.len()
    );
}
