module Kobako
  module CodeMode
    # A host method's parameter list for the API reference: as its source writes it (so
    # keyword defaults show), or rebuilt from #parameters when the source cannot be read.
    # Reading the source runs nothing; defaults appear as the text they are written as.
    module Signatures
      MAX = 160
      PAIRS = { "(" => ")", "[" => "]", "{" => "}" }.freeze

      module_function

      # "(id, detail: false)" (or "" for none) for a Method, an UnboundMethod or a Proc.
      def of(callable, files = {})
        text = from_source(callable, files) || from_parameters(callable.parameters)
        text.length > MAX ? "#{text[0, MAX - 4]}...)" : text
      end

      def from_parameters(params)
        parts = params.map do |kind, name|
          case kind
          when :req then (name || "arg").to_s
          when :opt then "#{name} = ..."
          when :rest then "*#{name}"
          when :keyreq then "#{name}:"
          when :key then "#{name}: ..."
          when :keyrest then "**#{name}"
          when :block then "&#{name}"
          else name.to_s
          end
        end
        parts.empty? ? "" : "(#{parts.join(', ')})"
      end

      # The parameter list in the source at the callable's source_location, or nil.
      def from_source(callable, files)
        file, line = callable.source_location
        return nil unless file && line && File.file?(file)

        lines = (files[file] ||= File.readlines(file, chomp: true))
        text = lines[line - 1, 20]&.join("\n")
        return nil unless text

        callable.is_a?(Proc) ? proc_params(text) : def_params(text, callable.name.to_s)
      rescue SystemCallError, ArgumentError
        nil
      end

      def def_params(text, name)
        at = text.index(/\bdef\s+(?:self\.)?#{Regexp.escape(name)}(?=[\s(=;]|\z)/) or return nil
        rest = text[(text.index(name, at) + name.length)..]
        return balanced(rest) if rest.start_with?("(")

        head = rest[/\A[ \t]+([^=;\n]+)/, 1]&.strip
        head.nil? || head.empty? ? "" : "(#{head})"
      end

      def proc_params(text)
        if (at = text.index("->"))
          rest = text[(at + 2)..].lstrip
          return rest.start_with?("(") ? balanced(rest) : ""
        end
        bars = text[/(?:\{|\bdo)\s*\|([^|]*)\|/, 1]
        bars.nil? ? nil : "(#{bars.strip})"
      end

      # The text from the opening bracket at the start of `text` to its match.
      def balanced(text)
        stack = []
        quote = nil
        text.each_char.with_index do |c, i|
          if quote
            quote = nil if c == quote
          elsif c == "'" || c == '"'
            quote = c
          elsif PAIRS.key?(c)
            stack << PAIRS[c]
          elsif c == stack.last
            stack.pop
            return text[0..i].gsub(/\s*\n\s*/, " ") if stack.empty?
          end
        end
        nil
      end
    end
  end
end
