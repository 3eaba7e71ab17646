"""The translators' workflow: status, check rules (Korean ones included), ack and diff, progress pages."""
