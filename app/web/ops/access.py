"""Who may read /metrics: a scraper with `Authorization: Bearer <METRICS_TOKEN>`, or one
whose address (as ProxyFix gives it, after PROXY_COUNT proxies) is in a network METRICS_ALLOW
lists. With neither setting, no one. Anyone else is told there is nothing there (404), as for
any address that does not exist."""

import hmac
import ipaddress
import re

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_SEPARATORS = re.compile(r"[\s,]+")


def allowed_networks(setting: str) -> tuple[Network, ...]:
    """The networks of a METRICS_ALLOW setting: CIDRs or single addresses, separated by
    commas or spaces ("10.0.0.0/8, 127.0.0.1 ::1"). Raises ValueError for anything else."""
    networks = []
    for part in _SEPARATORS.split(setting.strip()):
        if part:
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(
                    f"{part!r} is not a network: use a CIDR such as 10.0.0.0/8 or an address"
                ) from None
    return tuple(networks)


def address_allowed(address: str | None, networks: tuple[Network, ...]) -> bool:
    if not address or not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # an IPv4 client of a server listening on IPv6
    return any(ip in network for network in networks)


def token_given(authorization: str | None, token: str | None) -> bool:
    """Whether an Authorization header carries `token` as a bearer token (compared in
    constant time). No token set: never."""
    if not token or not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
