"""Pure trading logic: value types, lot sizing, symbol mapping, copy rules. No IO."""
