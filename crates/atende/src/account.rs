//! `atende account create`: the installation's operator creates an account (tenant) and its
//! first owner, who gets a temporary password to change at the first login.

use anyhow::{Context, Result, bail};
use server::clock::{Clock, SystemClock};
use store::{NewUser, Store};

/// Creates an account with its owner; prints the owner's temporary password.
pub async fn create(store: &Store, name: &str, owner_email: &str, owner_name: &str) -> Result<()> {
    let name = name.trim();
    let email = owner_email.trim().to_lowercase();
    if name.is_empty() || name.len() > 200 {
        bail!("--name must be 1 to 200 bytes");
    }
    if !email.contains('@') || email.len() > 320 {
        bail!("--owner-email must be an email address");
    }
    if store.credentials(&email).await?.is_some() {
        bail!("{email} is already a user of this installation: choose another --owner-email");
    }
    let now = SystemClock.now_micros();
    let password = server::secret::random_token("")
        .map_err(|e| anyhow::anyhow!("generating a password: {e}"))?;
    let password: String = password.chars().take(20).collect();
    let to_hash = password.clone();
    let hash = tokio::task::spawn_blocking(move || server::secret::hash_password(&to_hash))
        .await?
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    let account = store
        .create_account(name, &access::Settings::default(), "Geral", now)
        .await?;
    let owner_role = store
        .account_config(account)
        .await?
        .builtin_role(access::BuiltinRole::Owner)
        .context("the new account has no owner role")?;
    let owner_name = owner_name.trim();
    let user = store
        .create_user(
            account,
            &NewUser {
                email: &email,
                name: if owner_name.is_empty() {
                    &email
                } else {
                    owner_name
                },
                password_hash: Some(&hash),
                active: true,
            },
            now,
        )
        .await?;
    store
        .set_user_access(
            account,
            &access::User {
                id: user,
                account,
                active: true,
                memberships: Vec::new(),
                bindings: vec![access::Binding {
                    role: owner_role,
                    scope: access::Scope::Account,
                }],
            },
        )
        .await?;
    store.set_password_hash(account, user, &hash, true).await?;
    println!(
        "Account \"{name}\" created (id {}), owner {email}.",
        account.0
    );
    println!("Temporary password: {password}");
    println!("The owner must change it at the first login (POST /api/v1/me/password).");
    Ok(())
}
