"""Cookie/consent prompts: autoconsent (installed by `installer`) and a fallback (`handler`)."""

from archiver.capture.consent.handler import ConsentHandler, prepare
from archiver.capture.consent.installer import (
    AUTOCONSENT_INTEGRITY,
    AUTOCONSENT_URL,
    AUTOCONSENT_VERSION,
    AutoconsentInstallError,
    default_autoconsent_dir,
    find_autoconsent,
    install_autoconsent,
)

__all__ = ["AUTOCONSENT_INTEGRITY", "AUTOCONSENT_URL", "AUTOCONSENT_VERSION",
           "AutoconsentInstallError", "ConsentHandler", "default_autoconsent_dir",
           "find_autoconsent", "install_autoconsent", "prepare"]
