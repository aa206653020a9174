"""What every part of Lumen shares: field specs (types), the component contract
(components) and typed errors (errors)."""
