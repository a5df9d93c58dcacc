require_relative "app"
run FormulaApp
