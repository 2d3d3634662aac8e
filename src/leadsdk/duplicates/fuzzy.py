"""Fuzzy lead matching, as the Sales app's duplicate suggestions do it, beyond exact rules.

Two leads are reported as similar when one of these holds (thresholds in `FuzzyOptions`):

- the same normalised email address (case, dots and +tags of Gmail addresses, ...);
- the same normalised phone number (digits only, last 10) and a loosely similar name;
- a similar name and a similar company name ("similar lead name and company name");
- a similar name and the same email domain, free-mail domains ignored ("similar lead name and same
  email domain").

Similarity is rapidfuzz's (the optional `fuzzy` extra) or, without it, a pure-Python Indel ratio with
the same values. Candidate pairs come from blocking keys (email, phone, company or domain plus the first
letters of a name), so the work grows near-linearly with the number of leads; a block bigger than
`max_block` is compared only within a sliding window of its name-sorted members.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from leadsdk.progress import paused_gc

__all__ = [
    "FREE_MAIL_DOMAINS",
    "FuzzyMatch",
    "FuzzyOptions",
    "LeadProfile",
    "ProfileBuilder",
    "find_similar_pairs",
    "match_profiles",
    "normalise_company",
    "normalise_email",
    "normalise_phone",
    "normalise_text",
    "pure_ratio",
    "similarity",
]

FREE_MAIL_DOMAINS: frozenset[str] = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "ymail.com", "hotmail.com",
    "hotmail.co.uk", "hotmail.fr", "outlook.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com",
    "mac.com", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "protonmail.com", "proton.me",
    "yandex.com", "yandex.ru", "mail.ru", "qq.com", "163.com", "126.com", "zoho.com", "fastmail.com",
    "free.fr", "orange.fr", "laposte.net", "t-online.de", "libero.it", "comcast.net", "verizon.net",
})
"""Domains many unrelated people share: an equal domain there says nothing."""

_COMPANY_NOISE = frozenset({
    "inc", "incorporated", "ltd", "limited", "llc", "llp", "plc", "gmbh", "ag", "sa", "sas", "sarl", "bv",
    "nv", "pty", "corp", "corporation", "co", "company", "the", "and", "group", "holdings",
})

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NON_DIGIT = re.compile(r"[^0-9]+")


def _rapidfuzz() -> tuple[Callable[[str, str], float], Callable[[str, str], float]] | None:
    try:
        from rapidfuzz import fuzz
    except ImportError:  # pragma: no cover - the optional extra is installed in development
        return None
    return fuzz.ratio, fuzz.token_sort_ratio


def pure_ratio(a: str, b: str) -> float:
    """rapidfuzz's `fuzz.ratio` in pure Python: 100 * (1 - indel distance / (len a + len b))."""
    if not a and not b:
        return 100.0
    if not a or not b:
        return 0.0
    if len(a) < len(b):
        a, b = b, a
    prev = [0] * (len(b) + 1)
    for ch in a:  # longest common subsequence, one row at a time
        cur = [0]
        for j, bj in enumerate(b):
            cur.append(prev[j] + 1 if ch == bj else max(prev[j + 1], cur[j]))
        prev = cur
    lcs = prev[-1]
    total = len(a) + len(b)
    return 100.0 * (2 * lcs) / total


def _pure_token_sort(a: str, b: str) -> float:
    return pure_ratio(" ".join(sorted(a.split())), " ".join(sorted(b.split())))


@functools.cache
def _scorers() -> tuple[Callable[[str, str], float], Callable[[str, str], float]]:
    """rapidfuzz's ratio and token-sort ratio when installed, else the pure-Python ones.

    Looked up on first use, so `import leadsdk` does not load rapidfuzz.
    """
    return _rapidfuzz() or (pure_ratio, _pure_token_sort)


def similarity(a: str | None, b: str | None, *, token_sort: bool = False) -> float:
    """0-100: how alike two normalised texts are (0 when either is missing)."""
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    ratio, token_sort_ratio = _scorers()
    return float(token_sort_ratio(a, b) if token_sort else ratio(a, b))


def normalise_text(value: Any) -> str:
    """Lower case, accents removed, punctuation to single spaces."""
    if not isinstance(value, str) or not value:
        return ""
    s = value if value.isascii() else (
        unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii"))
    return _NON_ALNUM.sub(" ", s.lower()).strip()


def normalise_company(value: Any) -> str:
    """A company name without legal-form and filler words ("The Acme Corp." -> "acme")."""
    words = [w for w in normalise_text(value).split() if w not in _COMPANY_NOISE]
    return " ".join(words)


def normalise_email(value: Any) -> str | None:
    """Lower case; the +tag dropped; dots dropped from Gmail local parts. None when not an address."""
    if not isinstance(value, str):
        return None
    s = value.strip().lower()
    local, at, domain = s.rpartition("@")
    if not at or not local or "." not in domain:
        return None
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}" if local else None


def normalise_phone(value: Any) -> str | None:
    """The last 10 digits of a phone number (country codes and formatting dropped); None when < 7 digits."""
    if not isinstance(value, str):
        return None
    digits = _NON_DIGIT.sub("", value)
    if len(digits) < 7:
        return None
    return digits[-10:]


@attrs.define(slots=True)
class LeadProfile:
    """A lead reduced to what fuzzy matching compares."""

    id: uuid.UUID
    first: str
    last: str
    name: str
    company: str
    email: str | None
    domain: str | None
    phones: tuple[str, ...]

    @classmethod
    def from_values(cls, id: uuid.UUID, values: Mapping[str, Any]) -> LeadProfile:
        """From lead columns: firstname, lastname, companyname, emailaddress1, telephone1, mobilephone."""
        return ProfileBuilder(cache=False)(id, values)


class ProfileBuilder:
    """Builds LeadProfiles like `LeadProfile.from_values`, remembering normalised first, last and company
    names (they repeat across many leads), for bulk detection over a whole table."""

    __slots__ = ("_company", "_text")

    def __init__(self, *, cache: bool = True) -> None:
        self._text: dict[str, str] | None = {} if cache else None
        self._company: dict[str, str] | None = {} if cache else None

    @staticmethod
    def _cached(cache: dict[str, str] | None, normalise: Callable[[str], str], value: Any) -> str:
        """`normalise(value)`, remembered per distinct value when caching."""
        if not isinstance(value, str) or not value:
            return ""
        if cache is None:
            return normalise(value)
        r = cache.get(value)
        if r is None:
            r = cache[value] = normalise(value)
        return r

    def _norm(self, value: Any) -> str:
        return self._cached(self._text, normalise_text, value)

    def _norm_company(self, value: Any) -> str:
        return self._cached(self._company, normalise_company, value)

    def __call__(self, id: uuid.UUID, values: Mapping[str, Any]) -> LeadProfile:
        get = values.get
        first = self._norm(get("firstname"))
        last = self._norm(get("lastname"))
        email = normalise_email(get("emailaddress1"))
        domain = email.rpartition("@")[2] if email else None
        if domain in FREE_MAIL_DOMAINS:
            domain = None
        p1 = normalise_phone(get("telephone1"))
        p2 = normalise_phone(get("mobilephone"))
        phones: tuple[str, ...] = ((p1, p2) if p2 and p2 != p1 else (p1,)) if p1 else (p2,) if p2 else ()
        name = f"{first} {last}".strip()
        return LeadProfile(id, first, last, name, self._norm_company(get("companyname")), email, domain, phones)


@attrs.frozen
class FuzzyOptions:
    """Thresholds (0-100) and blocking limits."""

    name_threshold: float = 85.0
    company_threshold: float = 85.0
    phone_name_threshold: float = 60.0
    max_block: int = 60
    window: int = 8


@attrs.frozen
class FuzzyMatch:
    """Two similar leads: which fields matched and how strongly (0-100 each), and why."""

    base_id: uuid.UUID
    matching_id: uuid.UUID
    score: float
    fields: Mapping[str, float]
    reasons: tuple[str, ...]


def match_profiles(a: LeadProfile, b: LeadProfile, options: FuzzyOptions = FuzzyOptions()) -> FuzzyMatch | None:
    """Compare two leads; a FuzzyMatch when one of the similarity rules holds, else None."""
    fields: dict[str, float] = {}
    reasons: list[str] = []
    scores: list[float] = []
    name_sim: float | None = None

    def name() -> float:
        nonlocal name_sim
        if name_sim is None:
            name_sim = similarity(a.name, b.name, token_sort=True)
        return name_sim

    if a.email is not None and a.email == b.email:
        fields["emailaddress1"] = 100.0
        reasons.append("same email address")
        scores.append(100.0)
    if a.phones and b.phones and not set(a.phones).isdisjoint(b.phones) and name() >= options.phone_name_threshold:
        fields["telephone"] = 100.0
        fields["fullname"] = name()
        reasons.append("same phone number and similar name")
        scores.append((100.0 + name()) / 2)
    if a.company and b.company and name() >= options.name_threshold:
        comp = similarity(a.company, b.company, token_sort=True)
        if comp >= options.company_threshold:
            fields["fullname"] = name()
            fields["companyname"] = comp
            reasons.append("similar lead name and company name")
            scores.append((name() + comp) / 2)
    if a.domain is not None and a.domain == b.domain and name() >= options.name_threshold:
        fields["fullname"] = name()
        fields["emaildomain"] = 100.0
        reasons.append("similar lead name and same email domain")
        scores.append((name() + 100.0) / 2)
    if not reasons:
        return None
    return FuzzyMatch(a.id, b.id, round(max(scores), 2), fields, tuple(reasons))


def _keys(p: LeadProfile, kind: int) -> Iterable[str]:
    """Blocking keys of one kind: 0 email, 1 phone, 2 company+last, 3 company+first, 4 domain+last,
    5 domain+first. A pair sharing any key is compared."""
    if kind == 0:
        if p.email:
            yield p.email
    elif kind == 1:
        yield from p.phones
    elif kind in (2, 3):
        if p.company:
            yield p.company.replace(" ", "") + "|" + (p.last[:2] if kind == 2 else p.first[:2])
    elif p.domain:
        yield p.domain + "|" + (p.last[:2] if kind == 4 else p.first[:2])


def find_similar_pairs(profiles: Sequence[LeadProfile], options: FuzzyOptions = FuzzyOptions(),
                       exclude: Callable[[int, int], bool] | None = None) -> list[FuzzyMatch]:
    """Every similar pair among `profiles` (each pair once, base = the earlier profile)."""
    with paused_gc():
        return _find_similar_pairs(profiles, options, exclude)


def _find_similar_pairs(profiles: Sequence[LeadProfile], options: FuzzyOptions,
                        exclude: Callable[[int, int], bool] | None) -> list[FuzzyMatch]:
    n = len(profiles)
    candidates: set[int] = set()
    add = candidates.add
    comps = [p.company.replace(" ", "") + "|" if p.company else None for p in profiles]
    doms = [p.domain + "|" if p.domain else None for p in profiles]
    for kind in range(6):
        first_of: dict[str, int] = {}
        blocks: dict[str, list[int]] = {}
        setdefault = first_of.setdefault
        if kind == 1:
            for i, p in enumerate(profiles):
                for k in p.phones:
                    j = setdefault(k, i)
                    if j != i:
                        b = blocks.get(k)
                        if b is None:
                            blocks[k] = [j, i]
                        else:
                            b.append(i)
        else:
            keys: list[str | None]
            if kind == 0:
                keys = [p.email for p in profiles]
            else:
                pre = comps if kind < 4 else doms
                if kind % 2 == 0:
                    keys = [c + p.last[:2] if c is not None else None for c, p in zip(pre, profiles)]
                else:
                    keys = [c + p.first[:2] if c is not None else None for c, p in zip(pre, profiles)]
            for i, key in enumerate(keys):
                if key is None:
                    continue
                j = setdefault(key, i)
                if j != i:
                    b = blocks.get(key)
                    if b is None:
                        blocks[key] = [j, i]
                    else:
                        b.append(i)
            del keys
        del first_of
        for members in blocks.values():
            if len(members) == 2:
                add(members[0] * n + members[1])
            elif len(members) > options.max_block:
                members = sorted(members, key=lambda m: profiles[m].name)
                w = options.window
                for x in range(len(members)):
                    for y in range(x + 1, min(x + w, len(members))):
                        i, j = sorted((members[x], members[y]))
                        add(i * n + j)
            else:
                for x in range(len(members)):
                    base = members[x] * n
                    for y in range(x + 1, len(members)):
                        add(base + members[y])
    out: list[FuzzyMatch] = []
    for c in sorted(candidates):
        i, j = divmod(c, n)
        if exclude is not None and exclude(i, j):
            continue
        m = match_profiles(profiles[i], profiles[j], options)
        if m is not None:
            out.append(m)
    return out
