"""Contracts: the terms a buyer awards on (T1-T5) and how a contract changes afterwards."""
