"""A sign-off that is a signature: ``aipo-budget sign PACK --key KEY`` and ``report --output
PACK --sign KEY`` sign the pack's manifest.json in the audit namespace with the user's OpenSSH,
``check --against`` verifies the signature against the register of signers
(``rules/allowed_signers``) and says who signed, and plain ``ssh-keygen -Y verify`` agrees.

Keys are made in temporary folders with ``ssh-keygen``; where it is missing these tests are
skipped saying how to install it, and under CI (``CI=true``) they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from aipo_budget.cli import cli
from conftest import RULES, keygen, write_ledger

AUDIT = "aipo-budget-audit"
LEDGER = """
2006-02-15 * "Kingdom Consultancy" "Research consultant"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Finance Officer"
  approved-by: "Executive Director"
  document: "2006-02-15.contract.pdf"
  Expenses:Projects:Trafficking-Roadmap:Research   1000.00 USD
  Assets:Surplus-Fund:Bank

2006-06-20 * "Partner" "Translation paid directly by the partner"
  Expenses:Projects:Trafficking-Roadmap:Translation   20000.00 USD
  Income:Co-Funding:Partner
"""


def invoke(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


class Keys:
    """Keys made with ssh-keygen in a folder of their own: key(name) is the private key file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(exist_ok=True)

    def key(self, name: str) -> Path:
        path = self.folder / name.replace(" ", "-")
        if not path.exists():
            subprocess.run([keygen(), "-q", "-t", "ed25519", "-N", "", "-C", name, "-f",
                            str(path)], check=True)
        return path

    def public(self, name: str) -> str:
        return " ".join(Path(f"{self.key(name)}.pub").read_text().split()[:2])

    def fingerprint(self, name: str) -> str:
        done = subprocess.run([keygen(), "-l", "-E", "sha256", "-f", f"{self.key(name)}.pub"],
                              capture_output=True, text=True, check=True)
        return done.stdout.split()[1]

    def line(self, name: str, namespaces: str = AUDIT, after: str = "20060101",
             before: str = "") -> str:
        validity = f',valid-before="{before}"' if before else ""
        return (f'"{name}" namespaces="{namespaces}",valid-after="{after}"{validity} '
                f"{self.public(name)}\n")

    def sign(self, name: str, message: Path, namespace: str = AUDIT) -> bytes:
        """A signature made by OpenSSH alone, as anyone with the key could make it."""
        done = subprocess.run([keygen(), "-Y", "sign", "-q", "-f", str(self.key(name)),
                               "-n", namespace], input=message.read_bytes(),
                              capture_output=True, check=True)
        return done.stdout


LAN, BUDI, EVE = "Nguyen Thi Lan", "Budi Santoso", "Eve Intruder"


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> Keys:
    keygen()
    return Keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def issued(tmp_path_factory, keys) -> Path:
    """Books with a register (Lan audits; Budi only approves) and their pack, unsigned."""
    folder = tmp_path_factory.mktemp("issued")
    write_ledger(folder, LEDGER)
    shutil.copytree(RULES, folder / "rules")
    (folder / "rules" / "allowed_signers").write_text(
        keys.line(LAN) + keys.line(BUDI, "aipo-budget-approve"), encoding="utf-8")
    result = invoke("report", folder / "main.beancount", "-r", folder / "rules", "-o",
                    folder / "pack", "-q")
    assert result.exit_code == 0, result.output
    return folder


class Books:
    def __init__(self, folder: Path, keys: Keys) -> None:
        self.folder, self.keys = folder, keys
        self.main, self.rules, self.pack = (folder / "main.beancount", folder / "rules",
                                            folder / "pack")
        self.manifest = self.pack / "manifest.json"
        self.signature = self.pack / "manifest.json.sig"

    def sign(self, name: str = LAN, *more: str, pack: Path | None = None):
        return invoke("sign", pack or self.pack, "--key", self.keys.key(name), "-r",
                      self.rules, *more)

    def check(self, *more: str, pack: Path | None = None):
        return invoke("check", self.main, "-r", self.rules, "--against", pack or self.pack,
                      "-q", *more)

    def register(self, text: str) -> None:
        (self.rules / "allowed_signers").write_text(text, encoding="utf-8")


@pytest.fixture
def books(issued, keys, tmp_path) -> Books:
    shutil.copytree(issued, tmp_path / "books", symlinks=True)
    return Books(tmp_path / "books", keys)


def refused(result, path: Path, *said: str) -> None:
    text = result.output + result.stderr
    assert result.exit_code == 2, text
    assert result.stderr.startswith(f"{path}: "), text
    for part in said:
        assert part in result.stderr, text
    assert "Traceback" not in text and "The books match" not in text


# --- sign -------------------------------------------------------------------------------------


def test_sign_shows_what_it_signs_and_writes_the_signature_beside_the_manifest(books):
    manifest = json.loads(books.manifest.read_text(encoding="utf-8"))
    before = books.manifest.read_bytes()
    result = books.sign()
    assert result.exit_code == 0, result.output
    fingerprint = books.keys.fingerprint(LAN)
    said = result.stderr
    # what is signed, and as whom, is said before ssh-keygen is asked
    assert said.index(str(books.manifest)) < said.index("signed:")
    assert manifest["ledger_digest"]["sha256"] in said and manifest["generated"] in said
    assert f"as {LAN} (key {fingerprint}" in said
    assert f"signed: {books.signature}" in said
    assert books.manifest.read_bytes() == before  # the manifest itself is not touched
    assert books.signature.read_text().startswith("-----BEGIN SSH SIGNATURE-----")
    assert [p.name for p in books.pack.iterdir() if p.name.startswith(".")] == []


def test_plain_openssh_verifies_the_signature_as_the_docs_say(books):
    assert books.sign().exit_code == 0
    day = json.loads(books.manifest.read_text())["generated"][:10].replace("-", "")
    with open(books.manifest, "rb") as manifest:
        done = subprocess.run([keygen(), "-Y", "verify", "-f", str(books.rules /
                               "allowed_signers"), "-I", LAN, "-n", AUDIT, "-s",
                               str(books.signature), f"-Overify-time={day}"],
                              stdin=manifest, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f'Good "{AUDIT}" signature for {LAN}' in done.stdout + done.stderr


def test_check_against_a_signed_pack_says_who_signed_and_on_which_day(books):
    assert books.sign().exit_code == 0
    result = books.check()
    assert result.exit_code == 0, result.output + result.stderr
    day = json.loads(books.manifest.read_text())["generated"][:10]
    fingerprint = books.keys.fingerprint(LAN)
    assert "The books match the audit pack of " in result.output
    assert (f"Signed by {LAN} (key {fingerprint}, register line 1), for audit on {day}, the "
            "pack's day: the signature is in manifest.json.sig.") in result.output
    document = json.loads(books.check("--format", "json").stdout)
    assert document["against"]["signed_by"] == {
        "names": [LAN], "fingerprint": fingerprint, "day": day, "register_line": 1}


def test_an_unsigned_pack_is_checked_as_before_and_said_unsigned(books):
    result = books.check()
    assert result.exit_code == 0, result.output + result.stderr
    assert "The manifest is unsigned (no manifest.json.sig)." in result.output
    assert json.loads(books.check("--format", "json").stdout)["against"]["signed_by"] is None


@pytest.mark.parametrize(("register", "said"), [
    (lambda keys: keys.line(LAN), "key {fingerprint}, which {register} gives to nobody"),
    (lambda keys: keys.line(LAN) + keys.line(BUDI, "aipo-budget-approve"),
     f"{BUDI}'s key {{fingerprint}} may not sign for audit (register line 2"),
    (lambda keys: keys.line(LAN) + keys.line(BUDI, before="20070101"),
     f"{BUDI}'s key {{fingerprint}} is not valid on {{day}}, the pack's day (valid 2006-01-01 "
     "to 2006-12-31, register line 2)"),
])
def test_a_key_the_register_does_not_give_to_an_auditor_signs_but_does_not_count(
        books, register, said):
    """The register may back the key later (an external auditor registered after signing):
    sign says why the signature does not count yet, and check --against refuses it."""
    books.register(register(books.keys))
    result = books.sign(BUDI)
    assert result.exit_code == 0, result.output
    day = json.loads(books.manifest.read_text())["generated"][:10]
    why = said.format(register=books.rules / "allowed_signers",
                      fingerprint=books.keys.fingerprint(BUDI), day=day)
    assert (f"as key {books.keys.fingerprint(BUDI)}, for audit\naipo-budget: check --against "
            f"will refuse this signature until the register of signers backs it: {why}"
            ) in result.stderr
    assert books.signature.exists()
    refused(books.check(), books.signature, f"not a valid signature of the audit pack: {why}")


def test_without_a_register_a_signature_is_made_and_refused(books):
    (books.rules / "allowed_signers").unlink()
    result = books.sign()
    assert result.exit_code == 0, result.output
    assert "backs it: the rules folder has no register of signers" in result.stderr
    refused(books.check(), books.signature, "has no register of signers (allowed_signers)")


def test_sign_refuses_a_signed_pack_and_leaves_its_signature(books):
    assert books.sign().exit_code == 0
    before = books.signature.read_bytes()
    refused(books.sign(), books.signature, "the pack is signed already")
    assert books.signature.read_bytes() == before


def test_sign_refuses_a_manifest_whose_digest_does_not_match_its_inputs(books):
    manifest = json.loads(books.manifest.read_text(encoding="utf-8"))
    manifest["inputs"]["rules"][0]["sha256"] = "0" * 64
    books.manifest.write_text(json.dumps(manifest), encoding="utf-8")
    refused(books.sign(), books.manifest, "is not the digest of the inputs it lists")
    assert not books.signature.exists()


def test_sign_refuses_a_key_without_its_public_key_beside_it(books, tmp_path):
    key = tmp_path / "lonely"
    shutil.copy(books.keys.key(LAN), key)
    result = invoke("sign", books.pack, "--key", key, "-r", books.rules)
    refused(result, key, f"its public key {key}.pub cannot be read")


def test_sign_says_a_public_key_that_is_a_folder_is_no_regular_file(books, tmp_path):
    # found by fuzzing: "([Errno 21] Is a directory: 4)", a file descriptor's number
    key = tmp_path / "odd"
    shutil.copy(books.keys.key(LAN), key)
    (tmp_path / "odd.pub").mkdir()
    result = invoke("sign", books.pack, "--key", key, "-r", books.rules)
    refused(result, key, f"its public key {key}.pub cannot be read ({key}.pub: not a regular file)")
    assert "Errno" not in result.output


def test_sign_refuses_a_folder_that_is_no_pack(books, tmp_path):
    result = invoke("sign", tmp_path, "--key", books.keys.key(LAN), "-r", books.rules)
    refused(result, tmp_path / "manifest.json", "cannot read the audit pack's manifest")


# --- check --against a signed pack: every signature that does not count is refused ----------


def _other_pack(books: Books, tmp_path: Path) -> Path:
    other = tmp_path / "other"
    result = invoke("report", books.main, "-r", books.rules, "-o", other, "-q", "--as-of",
                    "2006-12-31")
    assert result.exit_code == 0, result.output
    return other


def test_a_signature_over_another_manifest_is_refused(books, tmp_path):
    other = _other_pack(books, tmp_path)
    assert books.sign(pack=other).exit_code == 0
    shutil.copy(other / "manifest.json.sig", books.signature)
    refused(books.check(), books.signature,
            "does not match manifest.json: it was made over other bytes")


def test_a_manifest_edited_after_signing_is_refused(books):
    assert books.sign().exit_code == 0
    manifest = json.loads(books.manifest.read_text(encoding="utf-8"))
    manifest["settings"]["as_of"] = "2099-01-01"  # not an input: the ledger digest holds
    books.manifest.write_text(json.dumps(manifest), encoding="utf-8")
    refused(books.check(), books.signature, "does not match manifest.json")


def test_a_signature_by_a_key_nobody_registered_is_refused(books):
    books.signature.write_bytes(books.keys.sign(EVE, books.manifest))
    refused(books.check(), books.signature,
            f"not a valid signature of the audit pack: key {books.keys.fingerprint(EVE)}, which "
            f"{books.rules / 'allowed_signers'} gives to nobody")


def test_a_signature_by_a_key_not_given_for_audit_is_refused(books):
    books.signature.write_bytes(books.keys.sign(BUDI, books.manifest))
    refused(books.check(), books.signature,
            f"{BUDI}'s key {books.keys.fingerprint(BUDI)} may not sign for audit")


def test_a_signature_in_another_namespace_is_refused(books):
    books.signature.write_bytes(books.keys.sign(LAN, books.manifest, "aipo-budget-approve"))
    refused(books.check(), books.signature,
            "made in the namespace aipo-budget-approve, not aipo-budget-audit")


def test_a_key_revoked_before_the_pack_was_made_is_refused(books):
    books.signature.write_bytes(books.keys.sign(LAN, books.manifest))
    books.register(books.keys.line(LAN, before="20070101"))
    refused(books.check(), books.signature, f"{LAN}'s key", "is not valid on",
            "the pack's day (valid 2006-01-01 to 2006-12-31, register line 1)")


def test_a_signed_pack_checked_without_a_register_is_refused(books):
    assert books.sign().exit_code == 0
    (books.rules / "allowed_signers").unlink()
    refused(books.check(), books.signature, "has no register of signers (allowed_signers)")


def _huge(path: Path) -> None:
    with open(path, "wb") as file:
        file.truncate(50 * 1024 * 1024)


@pytest.mark.parametrize(("make", "said"), [
    (lambda sig, books: sig.write_bytes(b""), "is empty"),
    (lambda sig, books: sig.write_bytes(b"\x00\xffnot a signature\n"),
     "is not an SSH signature"),
    (lambda sig, books: sig.write_text("-----BEGIN SSH SIGNATURE-----\nQUJD\n"
                                       "-----END SSH SIGNATURE-----\n"),
     "is not an SSH signature"),
    (lambda sig, books: _huge(sig), "is 52428800 bytes"),
    (lambda sig, books: sig.mkdir(), "is not a regular file"),
    (lambda sig, books: os.mkfifo(sig), "is not a regular file"),
    # even a link to a good signature: a pack's files are its own
    (lambda sig, books: (books.sign(pack=books.pack), os.rename(sig, books.folder / "good"),
                         os.symlink(books.folder / "good", sig)), "is not a regular file"),
])
def test_a_hostile_signature_file_is_refused_naming_it(books, make, said):
    make(books.signature, books)
    refused(books.check(), books.signature, said)
    refused(books.sign(), books.signature)  # nothing is written over it


# --- report --sign: signed when written, the cover names the signer ---------------------------


def test_report_sign_signs_at_creation_and_the_cover_shows_the_signer(books):
    out = books.folder / "signed"
    result = invoke("report", books.main, "-r", books.rules, "-o", out, "--sign",
                    books.keys.key(LAN), "-q")
    assert result.exit_code == 0, result.output
    fingerprint = books.keys.fingerprint(LAN)
    assert f"as {LAN} (key {fingerprint}" in result.stderr
    page = (out / "index.html").read_text(encoding="utf-8")
    assert (f"{LAN} (key {fingerprint}, register line 1); the signature of manifest.json is "
            "in manifest.json.sig") in page
    listed = {item["path"] for item in json.loads((out / "manifest.json").read_text())["outputs"]}
    assert "index.html" in listed and "manifest.json.sig" not in listed
    checked = books.check(pack=out)
    assert checked.exit_code == 0, checked.output + checked.stderr
    assert f"Signed by {LAN} (key {fingerprint}" in checked.output
    # a signed pack is never replaced: its signature could not be made again
    again = invoke("report", books.main, "-r", books.rules, "-o", out, "-q")
    refused(again, out / "manifest.json.sig", "the audit pack there is signed")


def test_report_sign_with_a_key_not_for_audit_says_so_on_the_cover(books):
    out = books.folder / "signed"
    result = invoke("report", books.main, "-r", books.rules, "-o", out, "--sign",
                    books.keys.key(BUDI), "-q")
    assert result.exit_code == 0, result.output
    fingerprint = books.keys.fingerprint(BUDI)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert (f"key {fingerprint} (the register of signers does not back it: {BUDI}&#39;s key "
            f"{fingerprint} may not sign for audit") in page
    refused(books.check(pack=out), out / "manifest.json.sig", "may not sign for audit")


def test_report_sign_writes_no_pack_when_the_key_cannot_sign(books, tmp_path):
    """The public key beside KEY is another's: OpenSSH refuses to sign, after the pack was
    filled but before it is put in place, and no pack is written."""
    key = tmp_path / "mixed"
    shutil.copy(books.keys.key(LAN), key)
    shutil.copy(f"{books.keys.key(BUDI)}.pub", f"{key}.pub")
    out = books.folder / "signed"
    result = invoke("report", books.main, "-r", books.rules, "-o", out, "--sign", key, "-q")
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1].startswith(f"ssh-keygen could not sign with {key}: ")
    assert not out.exists()
    assert [p.name for p in books.folder.iterdir() if "staging" in p.name] == []


def test_an_unsigned_cover_says_where_a_later_signature_goes(books):
    page = (books.pack / "index.html").read_text(encoding="utf-8")
    assert ("not signed when written: a signature made later (aipo-budget sign) is in "
            "manifest.json.sig") in page
