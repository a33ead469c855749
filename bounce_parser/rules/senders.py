"""What each sender product's notices say, or leave unsaid: one row per product, data only.

A row says how a notice from that product is recognised (any one mark suffices) and what its
format tells the classifier, with the source of each fact beside it. The engine that applies
the rows is ``bounce_parser.rules.signatures``. A row belongs here only when its fact is
documented by the product or the provider, or is the product's fixed notice template, never
because one sample file happened to read that way.

Facts a row can carry:

- ``stage_untold``: the format never says at which SMTP stage a recipient was refused, so its
  "user unknown" may be a filter refusing the message after it was sent (``filtered``), unless
  the notice names the command; ``stage_untold_if`` narrows it to diagnostics that match,
  ``stage_told_if`` lifts it where the text carries what tells the stage;
- ``transcript_command``: its transcript prints the command (``>>> DATA``) right above the
  reply it drew;
- ``wording``: ``(pattern, reason)`` pairs read in its diagnostic (lower-cased); ``""``
  matches any; ``over_status`` lets them decide even over a specific status (5.1.1);
  ``status_if`` limits them to statuses that match;
- ``gives_up_after_retries``: a notice in this template with no status and no delivery-status
  part was sent after the product's retry time ran out: the errors were temporary, the
  failure final;
- ``subject_reason``: a pattern whose first group, in the notice's subject, names the reason;
- ``notice_wording``: ``(pattern, reason)`` pairs read in the whole readable text of a plain
  notice (case-blind): the sender states the cause once, above the recipients, and the reply
  it quotes under each says less (or, by the product's documentation, misleads).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sender:
    product: str
    source: str
    body: tuple[str, ...] = ()
    """Patterns that must all be found in the notice's readable text (case-blind; a space
    matches any run of white space, line ends included)."""
    header: tuple[str, str] | None = None
    """A header field of the notice and a pattern its value matches ("" = present)."""
    domains: tuple[str, ...] = ()
    """The failed recipient's domain is one of these (or under one)."""
    hosts: str | None = None
    """A pattern the remote or the reporting MTA's name matches."""
    stage_untold: bool = False
    stage_untold_if: str | None = None
    stage_told_if: str | None = None
    transcript_command: bool = False
    wording: tuple[tuple[str, str], ...] = ()
    over_status: bool = False
    status_if: str | None = None
    gives_up_after_retries: bool = False
    subject_reason: str | None = None
    notice_wording: tuple[tuple[str, str], ...] = ()


SENDERS: tuple[Sender, ...] = (
    # Wording that is a provider's own, published with its meaning: recognised by itself.
    Sender(
        product="Facebook",
        source="Facebook postmaster, 'Response codes': RCP-P2 'refused due to recipient "
        "preferences' (the recipient's own settings; sent with 5.1.1)",
        wording=((r"refused due to recipient preferences", "filtered"),),
        over_status=True,
    ),
    Sender(
        product="Yahoo Mail",
        source="Yahoo Help, 'Email sent to Yahoo Mail addresses is rejected' (SLN3444): "
        "'554 delivery error: dd This user doesn't have a … account' means the recipient's "
        "user ID does not exist and the message should not be retried; Yahoo says it after "
        "DATA, so the stage does not make it a content refusal",
        wording=((r"\bdd this user doesn.t have an? \S+ account", "userunknown"),),
    ),
    Sender(
        product="NTT docomo",
        source="NTT docomo, 'Spam mail countermeasures' (迷惑メール対策): mail refused by the "
        "recipient's reception settings is answered '550 Unknown user', as for a missing "
        "mailbox, so whether the user exists is not said",
        domains=("docomo.ne.jp",),
        hosts=r"\.docomo\.ne\.jp\b",
        wording=((r"\b550 unknown user\b", "rejected"),),
    ),
    Sender(
        product="au (KDDI)",
        source="au by KDDI, 'Spam filter' (迷惑メールフィルター) help: mail its filter refuses "
        "is returned '550 : User unknown'; au's FAQ on returned mail: 'The user(s) account is "
        "disabled' or 'temporarily limited' is an account stopped (e.g. unpaid), not gone",
        domains=("ezweb.ne.jp", "au.com"),
        wording=((r"\b550:? : user unknown", "filtered"),),
        # its notice states the account's state above the recipients (au's FAQ on returned
        # mail: a disabled or limited account, e.g. unpaid), whatever reply it quotes
        notice_wording=(
            (r"^the user\(s\) account is (?:disabled|temporarily limited)", "suspend"),
        ),
    ),
    Sender(
        product="Amazon SES receiving",
        source="Amazon SES Developer Guide, 'Email receiving': a receipt rule that fails for "
        "now answers 450 4.0.0 / 451 4.3.0 'try again later', stating no cause",
        hosts=r"^inbound-smtp\.[a-z0-9-]+\.amazonaws\.com\b",
        status_if=r"^4\.\d{1,3}\.0$",
        wording=(("", "onhold"),),
    ),
    Sender(
        product="Gmail, its notice with the session state",
        source="Gmail's older notice ends the remote reply with '(state N)', the SMTP stage it "
        "was refused at: states 15, 17 and 18 are at DATA or after, a refusal of the message, "
        "not of the recipient; states 6 and 9 are the TLS session with the server failing, 8 "
        "its authentication, 12 relaying refused, 13 its greeting refused (Gmail "
        "Help Forum threads, as sisimai's Gmail table cites them); a specific status still "
        "decides. Known by its sender or by its template's words, whoever passed it on",
        body=("google tried to deliver your message",),
        header=("From", r"mailer-daemon@google(?:mail)?\.com"),
        status_if=r"(?:^|\.0)$",
        wording=(
            (r"\(state 1[578]\b", "filtered"),
            (r"\(state [69]\b", "failedstarttls"),
            (r"\(state 8\b", "systemerror"),
            (r"\(state 12\b", "norelaying"),
            (r"\(state 13\b", "blocked"),
        ),
    ),
    Sender(
        product="Google Groups",
        source="Google Groups Help, 'Fix problems with sending a message to a group': the "
        "group does not exist or does not take posts from the sender",
        domains=("googlegroups.com",),
        header=("X-Failed-Recipients", r"googlegroups\.com"),
        wording=(("", "rejected"),),
    ),
    Sender(
        product="Zoho Mail",
        source="Zoho Mail's notices carry X-ZohoMail and quote the reply alone, no stage; it "
        "gives up with 'host not reachable' once its retries ran out (Zoho Mail Help, "
        "'Bounce messages')",
        header=("X-ZohoMail", ""),
        stage_untold=True,
        wording=((r"host not reachable", "expired"),),
    ),
    Sender(
        product="BIGLOBE",
        source="BIGLOBE's (and its partner ISPs') 'Returned mail' notice: '----- The following "
        "addresses had delivery problems -----', '----- Non-delivered information -----' and "
        "one line of its own ('Mail Delivery Failed... User unknown'), which names no SMTP "
        "stage nor status (the notice format sisimai's Biglobe module reads)",
        body=(r"-{5} non-delivered information -{5}",),
        header=("From", r"@(?:biglobe|inacatv|tmtv|ttv)\.ne\.jp\b"),
        stage_untold=True,
    ),
    # MTAs' notice templates.
    Sender(
        product="Exim",
        source="Exim specification, 'Customizing bounce and warning messages': the default "
        "bounce text ('This message was created automatically by mail delivery software', "
        "'The following address(es) failed'); its retry rules ('retry timeout exceeded')",
        body=(r"created automatically by mail delivery software", r"address\(es\)\s+failed"),
        gives_up_after_retries=True,
    ),
    Sender(
        product="Courier",
        source="Courier MTA, courierdsn(8)/its DSN module: 'This is a delivery status "
        "notification from …, running the Courier mail server', with the SMTP transcript "
        "'>>> COMMAND' then '<<< reply'",
        body=(r"running the courier mail server",),
        transcript_command=True,
    ),
    Sender(
        product="Postfix, early versions",
        source="Postfix smtp(8): a remote reply is quoted as 'host … said: 550 …' and, in "
        "the versions that say it, followed by '(in reply to … command)'; quoted without it, "
        "the reply does not say which command drew it",
        body=(r"^this is the (?:postfix program|mail system) at host ",),
        stage_untold_if=r"\bsaid: [45]\d\d\b",
    ),
    Sender(
        product="Microsoft Exchange 5.5-2003",
        source="Microsoft Exchange Server 2003 NDR format: 'MSEXCH:IMS:…' diagnostic lines, "
        "where a hexadecimal code '(000C05A6)' names the failure; without it only the "
        "remote reply is quoted",
        body=(r"msexch:",),
        stage_untold=True,
        stage_told_if=r"msexch:\S.*(?:\n[ \t]+.*)?\(0[0-9a-f]{7}\)",  # the code may wrap
    ),
    Sender(
        product="McAfee Email Gateway",
        source="McAfee Email and Web Security appliance: marks what it sends with "
        "'X-NAI-Header: Modified by McAfee'; its notices quote the reply alone",
        header=("X-NAI-Header", r"modified by mcafee"),
        stage_untold=True,
    ),
    Sender(
        product="'Mail Deliver System' notices",
        source="a fixed template ('---The following addresses had delivery errors---', "
        "one line '<address> [reply]' each), no stage; described as sisimai's Lhost::X1",
        body=(r"---the following addresses had delivery errors---",),
        stage_untold=True,
    ),
    Sender(
        product="'Unable to deliver message' notices",
        source="a fixed template ('Unable to deliver message to the following address(es).', "
        "then '<address>:' and the reply), no stage; described as sisimai's Lhost::X2",
        body=(r"unable to deliver message to the following address\(es\)\.",),
        stage_untold=True,
    ),
    Sender(
        product="sendmail",
        source="sendmail's notices name the failure in the subject ('Returned mail: User "
        "unknown'; sendmail Installation and Operation Guide, 'Queue' and DSN)",
        subject_reason=r"^\s*returned mail:\s*(.+)",
    ),
)
