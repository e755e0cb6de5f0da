"""Messages to people: verification codes and notices by SMS (and mail)."""
