"""What a new signature keeps for the integrity review instead of its client's address.

The network (IPv4 /24, IPv6 /64: a household, an office, a phone carrier's block) is
kept only as an HMAC under the petition's own random key (`Petition.integrity_key`): two
signatures from one network share a key on one petition, nothing joins keys across
petitions, and no key can be turned back into an address (nor recomputed at all once the
purge erases the petition's key). The address itself is never stored, nor logged.
"""

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS

NETWORK_KEY_LENGTH = 16  # hex digits: 64 bits, ample for one petition's networks
IPV4_NETWORK = ~0 << 8 & 0xFFFFFFFF  # a /24
IPV6_NETWORK = ~0 << 64 & (1 << 128) - 1  # a /64


def client_network(address: str | None) -> str | None:
    """The network an address belongs to, as text ("81.2.69.0/24"); None if unknown, or if
    it is no public address: loopback or a private network means a proxy in front that
    PROXY_COUNT does not name, and every signer would seem to share it."""
    if not address:
        return None
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not ip.is_global:
        return None
    if ip.version == 4:
        return f"{ipaddress.IPv4Address(int(ip) & IPV4_NETWORK)}/24"
    return f"{ipaddress.IPv6Address(int(ip) & IPV6_NETWORK)}/64"


def network_key(petition_key: str | None, network: str | None) -> str | None:
    """The network's key on one petition (see the module's docstring)."""
    if not petition_key or not network:
        return None
    digest = hmac.new(bytes.fromhex(petition_key), network.encode(), hashlib.sha256)
    return digest.hexdigest()[:NETWORK_KEY_LENGTH]


def email_domain(canonical_email: str | None) -> str | None:
    if not canonical_email or "@" not in canonical_email:
        return None
    return canonical_email.rsplit("@", 1)[1].lower()


def is_disposable(domain: str | None) -> bool:
    """A throwaway-address service (the disposable-email-domains list), its subdomains too."""
    if not domain:
        return False
    labels = domain.split(".")
    return any(".".join(labels[i:]) in DISPOSABLE_DOMAINS for i in range(len(labels) - 1))


@dataclass(frozen=True)
class Signals:
    network_key: str | None
    email_domain: str | None
    disposable_domain: bool


def signals_of(petition_key: str | None, network: str | None, canonical_email: str) -> Signals:
    domain = email_domain(canonical_email)
    return Signals(network_key(petition_key, network), domain, is_disposable(domain))
