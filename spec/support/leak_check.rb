# Finding host-only text in what a script or a model reads (the adversarial suites).
module LeakCheck
  module_function

  # The first of `leaks` (Strings and Regexps) that `text` holds, or nil.
  def leak_in(text, leaks)
    leaks.find { |leak| leak.is_a?(Regexp) ? text.match?(leak) : text.include?(leak) }
  end
end
