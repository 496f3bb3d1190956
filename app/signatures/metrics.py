"""What happens to signatures, counted for Prometheus (app.operations.metrics serves them at
/metrics): taken through the form or the API, confirmed, withdrawn. A signature is counted
once its transaction has committed. Counts are per process since it started; under gunicorn
with PROMETHEUS_MULTIPROC_DIR set, every worker's are added up (docs/monitoring.md)."""

from enum import StrEnum

from prometheus_client import Counter


class SignatureEvent(StrEnum):
    TAKEN = "taken"  # a new pending signature; its confirmation email is queued
    CONFIRMED = "confirmed"  # it counts: its signer pressed the button, or a partner confirmed
    WITHDRAWN = "withdrawn"  # removed, by its signer or erased on request


SIGNATURES = Counter(
    "petitions_signatures",
    "Signatures taken, confirmed and withdrawn since the process started.",
    ["event"],
)
_BY_EVENT = {event: SIGNATURES.labels(event=event.value) for event in SignatureEvent}


def count_signature(event: SignatureEvent) -> None:
    _BY_EVENT[event].inc()
