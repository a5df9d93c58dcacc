require_relative "../kobako"
require_relative "code_mode/api_reference"
require_relative "code_mode/tool_result"

module Kobako
  # Helpers for "code mode": a language model writes a script against the Sandbox's
  # Services instead of calling tools one by one. Put `sandbox.api_reference` in the
  # prompt, run what the model wrote with CodeMode.run, and hand `result.to_s` back; on a
  # failure it points at the line and the name, so the model can repair its script.
  module CodeMode
    module_function

    # Runs `script` (Sandbox#execute) and returns a ToolResult. Never raises for what the
    # script did; a script that is not a String is an ArgumentError.
    def run(sandbox, script, bindings: nil, clip: ToolResult::CLIP)
      raise ArgumentError, "the script must be a String, got #{script.class}" unless script.is_a?(String)

      ToolResult.new(sandbox.execute(script, bindings: bindings), script, clip: clip)
    end
  end
end
