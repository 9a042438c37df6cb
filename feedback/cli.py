import click
from flask.cli import AppGroup

from core.extensions import db
from feedback.services import purge_unverified

feedback_cli = AppGroup("submissions", help="Citizen submissions awaiting verification.")


@feedback_cli.command("purge")
def purge_command() -> None:
    """Delete submissions whose verification link expired unused."""
    count = purge_unverified()
    db.session.commit()
    click.echo(f"purged {count} unverified submission(s)")


retention_cli = AppGroup("retention", help="Erase petitioners' identifying data after the retention period.")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Only list the cases whose identity would be erased.")
def retention_command(dry_run: bool) -> None:
    from core.clock import today
    from feedback.retention import due_for_erasure, erase_identities

    day = today()
    if dry_run:
        rows = due_for_erasure(day)
        for number, closed_on, _submission in rows:
            click.echo(f"{number}\tclosed {closed_on}")
        click.echo(f"{len(rows)} case(s) would have their petitioner's identity erased")
        return
    with click.progressbar(length=1, label="erasing") as bar:
        numbers = erase_identities(day)
        db.session.commit()
        bar.update(1)
    click.echo(f"erased the identity of {len(numbers)} case(s)")


open311_cli = AppGroup("open311", help="Open311 client applications and their api_keys.")


@open311_cli.command("create-key")
@click.argument("name")
def create_key_command(name: str) -> None:
    """Issue an api_key to the client application NAME; the key is printed once, as the last word."""
    from feedback.open311_clients import ClientError, create_client

    try:
        client, key = create_client(name)
    except ClientError as error:
        raise click.UsageError(str(error)) from None
    db.session.commit()
    click.echo(f"client {client.id} ({client.name}): api_key {key}")


@open311_cli.command("list-keys")
def list_keys_command() -> None:
    """The client applications, newest first: id, name, created, last used, revoked."""
    from feedback.open311_clients import clients

    for client in clients():
        click.echo("\t".join([str(client.id), client.name, client.created_at.isoformat(timespec="seconds"),
                              client.last_used_at.isoformat(timespec="seconds") if client.last_used_at else "-",
                              "revoked" if client.revoked_at else "active"]))


@open311_cli.command("revoke-key")
@click.argument("client_id", type=int)
def revoke_key_command(client_id: int) -> None:
    """Revoke the api_key of the client application CLIENT_ID."""
    from feedback.models import Open311Client
    from feedback.open311_clients import revoke_client

    client = db.session.get(Open311Client, client_id)
    if client is None:
        raise click.UsageError(f"no client application {client_id}")
    click.echo("revoked" if revoke_client(client) else "already revoked")
    db.session.commit()
