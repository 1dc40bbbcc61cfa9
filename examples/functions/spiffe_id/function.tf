output "payments_spiffe_id" {
  value = provider::s2s::spiffe_id("example.internal", "payments") # spiffe://example.internal/payments
}
