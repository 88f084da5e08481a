"""Record ids as people and tools type them: in addresses, query strings and spreadsheets."""

BIGINT_MAX = 2**63 - 1


def record_id(value) -> int | None:
    """The id `value` spells, or None: ASCII digits only ("²" is a digit to str.isdigit() but not to int()),
    within PostgreSQL's bigint."""
    text = str(value if value is not None else "")
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= BIGINT_MAX else None
