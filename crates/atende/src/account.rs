//! `atende account create`: the installation's operator creates an account (tenant) and its
//! first owner, who gets a temporary password to change at the first login. The same code as
//! `POST /api/v1/accounts`: one transaction with its audit row.

use anyhow::{Result, bail};
use server::admin::accounts::{NewAccountRequest, create_account};
use server::clock::{Clock, SystemClock};
use store::Store;

/// Creates an account with its owner; prints the owner's temporary password.
pub async fn create(store: &Store, name: &str, owner_email: &str, owner_name: &str) -> Result<()> {
    let owner_name = owner_name.trim();
    let request = NewAccountRequest {
        name: name.to_owned(),
        owner_email: owner_email.to_owned(),
        owner_name: (!owner_name.is_empty()).then(|| owner_name.to_owned()),
        owner_password: None,
        default_department: None,
    };
    let created = match create_account(store, SystemClock.now_micros(), "local", request).await {
        Ok(c) => c,
        Err(e) if e.code() == "already_taken" => bail!(
            "{} is already a user of this installation: choose another --owner-email",
            owner_email.trim().to_lowercase()
        ),
        Err(e) => bail!("{}", e.message().replace('`', "")),
    };
    println!(
        "Account \"{}\" created (id {}), owner {}.",
        created.account.name, created.account.id, created.owner_email
    );
    if let Some(password) = created.temporary_password {
        println!("Temporary password: {password}");
    }
    println!("The owner must change it at the first login (POST /api/v1/me/password).");
    Ok(())
}
