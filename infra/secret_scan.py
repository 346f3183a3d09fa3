"""Finds secret values (keys, passwords, connection strings) in text: pure, no I/O.

References are fine (`${azurerm_...primary_connection_string}`, `{{secrets/scope/key}}`,
an environment variable's name); literal values are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A value that is a reference, not a secret: Terraform interpolation, Databricks secret
# reference, or an obvious placeholder.
_REFERENCE = r"(?!\$\{|\{\{|<|\.\.\.)"

PATTERNS: dict[str, re.Pattern[str]] = {
    "connection string key": re.compile(
        rf"SharedAccessKey\s*=\s*{_REFERENCE}[A-Za-z0-9+/=]{{16,}}"
    ),
    "storage account key": re.compile(rf"AccountKey\s*=\s*{_REFERENCE}[A-Za-z0-9+/=]{{16,}}"),
    "base64 account key": re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])"),
    "Databricks token": re.compile(r"\bdapi[0-9a-f]{32}\b"),
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "SAS signature": re.compile(rf"[?&]sig=\s*{_REFERENCE}[A-Za-z0-9%+/=]{{20,}}"),
    "password value": re.compile(
        rf"""["']?(?:password|client_secret|access_key|sas_token)["']?\s*[:=]\s*["']{_REFERENCE}"""
        rf"""(?!\{{)[^"'\s]{{8,}}["']""",
        re.IGNORECASE,
    ),
}


@dataclass(frozen=True)
class Finding:
    where: str
    line: int
    kind: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line}: {self.kind}"


def find_secrets(text: str, where: str) -> list[Finding]:
    findings = []
    for kind, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            findings.append(Finding(where, text.count("\n", 0, match.start()) + 1, kind))
    return sorted(findings, key=lambda f: (f.line, f.kind))
