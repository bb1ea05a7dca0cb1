"""Rule kind ``evidence``: every surplus outflow has a ``document`` that resolves to an existing
evidence file, exactly as Fava's link_documents plugin resolves it: the basename of a Document
entry on one of the transaction's accounts, or a path relative to the transaction's file that is
a Document entry (docs/conventions.md; Res. 23GA/2002/Org/08)."""

from __future__ import annotations

import re
from decimal import Decimal

from conftest import kinds, line_of, only, run

PDF = b"%PDF-1.4\n% evidence placeholder\n"


def test_a_document_filed_under_the_expense_account_resolves(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   8000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   8000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == []
    expected = (ledger_path.parent / "documents/Expenses/Projects/Trafficking-Roadmap/Research"
                / "2006-02-15.consultancy-contract.pdf")
    assert audited.facts.outflows[0].document_path == str(expected)


def test_an_outflow_without_a_document_fails(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      Expenses:Projects:Trafficking-Roadmap:Research   8000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   8000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == ["evidence"]
    [finding] = only(audited, "evidence")
    assert finding.severity == "error"
    assert finding.rule == "ORG08-EVIDENCE"
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Kingdom Consultancy"')
    assert finding.amount == Decimal("8000.00")
    assert re.search(r"no supporting document.*'document'", finding.message)


def test_a_document_that_does_not_resolve_fails(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.missing-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   8000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   8000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == ["evidence"]
    [finding] = only(audited, "evidence")
    assert finding.severity == "error"
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Kingdom Consultancy"')
    assert finding.amount == Decimal("8000.00")
    assert re.search(r"'2006-02-15\.missing-contract\.pdf' does not resolve", finding.message)
    assert audited.facts.outflows[0].document_path is None


def test_a_path_relative_to_the_ledger_file_resolves(ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "documents/Expenses/Projects/Trafficking-Roadmap/Research/2006-02-15.x.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   8000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   8000.00 USD
      Income:Co-Funding:Partner
    """
    header = line_of(ledger_path, '2006-02-15 * "Kingdom Consultancy"')
    # Before the file is filed in the documents folder, the path resolves to nothing.
    [finding] = only(run(ledger_path), "evidence")
    assert finding.lineno == header
    assert re.search(r"does not resolve", finding.message)

    evidence = (ledger_path.parent / "documents/Expenses/Projects/Trafficking-Roadmap/Research"
                / "2006-02-15.x.pdf")
    evidence.parent.mkdir(parents=True, exist_ok=True)
    evidence.write_bytes(PDF)
    result = run(ledger_path)
    assert kinds(result) == []
    assert result.facts.outflows[0].document_path == str(evidence)


def test_a_relative_path_outside_the_documents_folder_does_not_resolve(ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "scans/2006-02-15.contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   8000.00 USD
      Assets:Surplus-Fund:Bank
    """
    # The file exists, but it is no Document entry: Fava would not link it either.
    scan = ledger_path.parent / "scans" / "2006-02-15.contract.pdf"
    scan.parent.mkdir(parents=True, exist_ok=True)
    scan.write_bytes(PDF)
    [finding] = only(run(ledger_path), "evidence")
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Kingdom Consultancy"')
    assert re.search(r"'scans/2006-02-15\.contract\.pdf' does not resolve", finding.message)


def test_a_basename_filed_under_an_account_of_another_transaction_fails(ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.filed-elsewhere-missing-here.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   8000.00 USD
      Assets:Surplus-Fund:Bank
    """
    # The document exists, but under Expenses:Secretariat:Rent, not an account of this payment.
    elsewhere = (ledger_path.parent / "documents/Expenses/Secretariat/Rent"
                 / "2006-02-15.filed-elsewhere-missing-here.pdf")
    elsewhere.parent.mkdir(parents=True, exist_ok=True)
    elsewhere.write_bytes(PDF)
    [finding] = only(run(ledger_path), "evidence")
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Kingdom Consultancy"')
    assert re.search(r"does not resolve", finding.message)


def test_a_document_filed_under_the_fund_account_resolves(ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.bank-advice-missing-by-default.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   8000.00 USD
      Assets:Surplus-Fund:Bank
    """
    # Any account of the transaction will do, here the bank account the payment left from.
    advice = (ledger_path.parent / "documents/Assets/Surplus-Fund/Bank"
              / "2006-02-15.bank-advice-missing-by-default.pdf")
    advice.parent.mkdir(parents=True, exist_ok=True)
    advice.write_bytes(PDF)
    result = run(ledger_path)
    assert only(result, "evidence") == []
    assert result.facts.outflows[0].document_path == str(advice)
