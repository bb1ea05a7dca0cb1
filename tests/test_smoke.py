"""A compliant payment produces no findings."""

from conftest import kinds


def test_compliant_payment_has_no_findings(audited):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   8000.00 USD
      Assets:Surplus-Fund:Bank

    2006-02-20 * "Partner" "Co-funding received"
      Assets:Co-Funding:Partner     9000.00 USD
      Income:Co-Funding:Partner

    2006-03-20 * "Consultant" "Co-funded consultant"
      Expenses:Projects:Trafficking-Roadmap:Consultants   9000.00 USD
      Assets:Co-Funding:Partner
    """
    assert kinds(audited) == []
    assert len(audited.facts.outflows) == 1
    assert audited.facts.outflows[0].document_path is not None
