"""The comment policy: who publishes directly, what is held, what is spam,
and who is asked to slow down. Settings live in ``COMMENTS_POLICY``."""

import hashlib
import ipaddress
import re
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone
from django_comments_xtd.models import BlackListedDomain, XtdComment

from .comment_models import CommentReview, HoldReason, TrustedCommenter

# An address ends at a bracket too: in Markdown, "[cheap](https://spam.example)"
# is followed by one, and "https://[" is not an address Python can parse.
_LINK = re.compile(r"(?:https?://|www\.)[^\s<>\"'()\[\]]+", re.IGNORECASE)


def policy(name: str):
    return settings.COMMENTS_POLICY[name]


def client_ip(request) -> str:
    """The reader's address, believing X-Forwarded-For only as far as the
    configured number of trusted proxies (each appends what it saw)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(chain) >= proxies and _is_address(chain[-proxies]):
            return chain[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _is_address(value: str) -> bool:
    """An IP address: a deployment counting more proxies than it has lets
    the reader write the entry believed ("abc"), which PostgreSQL's column
    for it refuses (a 500 on posting a comment)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def sent_from_another_site(request) -> bool:
    """Whether a browser sent this request from a page of another site.

    Browsers say so: ``Sec-Fetch-Site`` (every current browser), else the
    ``Origin`` of a POST, else the ``Referer``. A request that says nothing
    came from no browser page of another site (a script, a feed reader's
    tool): it carries only its own sender's address, as a direct request
    does. ``DJANGO_CSRF_TRUSTED_ORIGINS`` are this site too. Anonymous
    forms carry no token (cached pages are one copy for everyone), but what
    they carry, the reader's address, counts for limits and reports: a page
    of another site must not spend its visitors' (``csrf_for_accounts``).
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    here = {request.build_absolute_uri("/").rstrip("/"), *settings.CSRF_TRUSTED_ORIGINS}
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin not in here
    referer = request.headers.get("Referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" not in here
    return False


def _digest(value: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()[:40]


def slot_key(scope: str, value: str) -> str:
    """The cache key of a rate-limit slot or counter: the value is hashed, never stored."""
    return f"{scope}:slot:{_digest(value)}"


def claim_slots(slots: list[tuple[str, str]], seconds: int) -> bool:
    """Claim each ``(scope, value)`` slot (an address, an email, an account)
    for ``seconds``; False if one was taken within that time.

    A cache ``add`` is atomic, so two simultaneous requests cannot both pass;
    with Redis every app process sees the same slots. The slots are claimed
    all or none: a refused request gives back the ones it took, or a reader
    refused because of someone else's address slot would arm their own email
    slot, and be refused again when they retried as told.
    """
    claimed = []
    for scope, value in slots:
        key = slot_key(scope, value)
        if not cache.add(key, 1, timeout=seconds):
            cache.delete_many(claimed)
            return False
        claimed.append(key)
    return True


def claim_slot(scope: str, value: str, seconds: int) -> bool:
    """One slot: ``claim_slots([(scope, value)], seconds)``."""
    return claim_slots([(scope, value)], seconds)


def claim_posting_slot(ip: str, email: str, user=None) -> bool:
    """False if this address or email posted a comment within the last few seconds.

    Signed-in staff are slowed only by a slot of their own account (against
    a double click): the address slot is there for anonymous readers, and a
    moderator answering from the school network a reader just posted from
    must not be told to wait for them.
    """
    if user is not None and user.is_authenticated and user.is_staff:
        slots = [("comments:user", str(user.pk))]
    else:
        slots = [("comments:ip", ip), ("comments:email", email.lower())]
    return claim_slots(slots, policy("MIN_SECONDS_BETWEEN"))


def earlier_copy_is_public(post, email: str, text: str) -> bool | None:
    """Whether the same person's earlier comment with exactly this text on
    this post is public; None if there is no such comment."""
    return (
        XtdComment.objects.filter(object_pk=str(post.pk), user_email__iexact=email, comment=text)
        .filter(content_type__app_label="posts", content_type__model="post")
        .values_list("is_public", flat=True)
        .first()
    )


def _domains(text: str, email: str, url: str) -> set[str]:
    hosts = {urlsplit(link if "://" in link else f"http://{link}").hostname or "" for link in _LINK.findall(text)}
    if url:
        hosts.add(urlsplit(url).hostname or "")
    hosts.add(email.rpartition("@")[2])
    return {host.lower().removeprefix("www.") for host in hosts if host}


_HOST = re.compile(r"[\w-]+(?:\.[\w-]+)*")


def blocked_domain(entry: str) -> str:
    """The domain an entry of the blocked list names, as commenters' domains
    are compared: lower case, without "www.". A pasted address gives its
    host and an email the part after "@"; "" when the entry names none."""
    entry = entry.strip().lower()
    if "://" not in entry and "@" in entry:
        entry = entry.rpartition("@")[2]
    try:
        host = urlsplit(entry if "://" in entry else f"http://{entry}").hostname or ""
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        return ""
    host = host.removeprefix("www.")
    return host if _HOST.fullmatch(host) else ""


def _blocked(domain: str, blocked: set[str]) -> bool:
    return any(domain == entry or domain.endswith(f".{entry}") for entry in blocked)


@dataclass
class Verdict:
    status: str
    reasons: list[str] = field(default_factory=list)

    @property
    def is_public(self) -> bool:
        return self.status == CommentReview.Status.APPROVED


def judge(*, user, name: str, email: str, url: str, text: str, ip: str, honeypot: str = "") -> Verdict:
    """Decide what happens to a new comment, and why.

    A reader without an account proves nothing by the email they type: it
    is what anyone who knows it can type too. So a signed-in staff member
    is judged by their account alone (spam posted under their email by
    someone else cannot touch them); an earlier approved comment vouches
    only for later ones posted the same way, without an account, under the
    same name and email; and an account's email typed by someone signed
    out earns no trust.
    """
    email = email.lower()
    signed_in = user is not None and user.is_authenticated
    if signed_in and user.is_staff:
        return Verdict(CommentReview.Status.APPROVED)

    spam = []
    words = {word.lower() for word in policy("BLOCKED_WORDS")}
    if words and any(re.search(rf"\b{re.escape(word)}\b", f"{name} {text}", re.IGNORECASE) for word in words):
        spam.append(HoldReason.BLOCKED_WORD)
    # Rows saved before the admin normalized them may be in any case (or a
    # pasted address): read each as the domain it names.
    entries = [*policy("BLOCKED_DOMAINS"), *BlackListedDomain.objects.values_list("domain", flat=True)]
    blocked_domains = {domain for entry in entries if (domain := blocked_domain(entry))}
    if any(_blocked(domain, blocked_domains) for domain in _domains(text, email, url)):
        spam.append(HoldReason.BLOCKED_DOMAIN)
    if honeypot:
        spam.append(HoldReason.HONEYPOT)
    if spam:
        return Verdict(CommentReview.Status.SPAM, spam)

    held = []
    earlier = CommentReview.objects.filter(comment__user_email__iexact=email)
    account_email = not signed_in and get_user_model().objects.filter(email__iexact=email).exists()
    if account_email:
        held.append(HoldReason.ACCOUNT_EMAIL)
    approved = earlier.filter(status=CommentReview.Status.APPROVED)
    if signed_in:
        approved = approved.filter(comment__user=user)
    else:
        approved = approved.filter(comment__user__isnull=True, comment__user_name__iexact=name.strip())
    trusted = not account_email and (
        TrustedCommenter.objects.filter(email=email).exists()
        or (policy("TRUST_PREVIOUSLY_APPROVED") and approved.exists())
    )
    if earlier.filter(status=CommentReview.Status.SPAM).exists():
        if not trusted:
            return Verdict(CommentReview.Status.SPAM, [HoldReason.PREVIOUS_SPAM])
        # Someone may have posted spam under a trusted commenter's email to
        # silence them: a moderator decides.
        held.append(HoldReason.PREVIOUS_SPAM)
    if not trusted:
        held.insert(0, HoldReason.FIRST_TIME)
        # A school, an office or a phone network puts many readers behind
        # one address: a spammer there recently holds a newcomer's comment
        # for a moderator (with this reason), never marks it as spam, and
        # never stops a trusted commenter.
        since = timezone.now() - timedelta(days=policy("SPAM_ADDRESS_DAYS"))
        spam_here = CommentReview.objects.filter(
            status=CommentReview.Status.SPAM, comment__ip_address=ip, comment__submit_date__gte=since
        )
        if ip and spam_here.exists():
            held.append(HoldReason.SPAM_ADDRESS)
    if len(_LINK.findall(text)) > policy("MAX_LINKS"):
        held.append(HoldReason.LINKS)
    since = timezone.now() - timedelta(seconds=policy("BURST_WINDOW"))
    if ip and XtdComment.objects.filter(ip_address=ip, submit_date__gte=since).count() >= policy("BURST_LIMIT"):
        held.append(HoldReason.TOO_FAST)
    if held:
        return Verdict(CommentReview.Status.PENDING, held)
    return Verdict(CommentReview.Status.APPROVED)
