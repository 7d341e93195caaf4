"""Adapters to payment and billing systems outside settlebot (`stripe`: Stripe Billing)."""
