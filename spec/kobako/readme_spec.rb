require "spec_helper"
require "tmpdir"

# The README's examples are part of the contract with users: run them as written.
RSpec.describe "README examples" do
  readme = File.read(File.expand_path("../../README.md", __dir__))

  def example_block(readme, name)
    readme[/<!-- readme-example: #{name} -->\n```ruby\n(.*?)```/m, 1] or raise "README example #{name} not found"
  end

  it "runs the Services example: a bound Service, a Handle chain and a block, with the results shown" do
    code = example_block(readme, "services")
    lines = code.lines
    setup, calls = lines.partition { |l| !l.start_with?("sandbox.eval") && !l.match?(/\A\s*(names|Shop::|RUBY|# raises)/) }
    expect(calls).not_to be_empty
    binding_for_example = Object.new.instance_eval { binding }
    binding_for_example.eval(setup.join)
    sandbox = binding_for_example.local_variable_get(:sandbox)

    expect(sandbox.eval("(100 * FX::Rate.call('USD')).round(2)")).to eq(108.0)
    expect(sandbox.eval("Shop::Customers.find('ann').discount(percent: 10)")).to eq(20)
    expect(sandbox.eval("names = []\nShop::Customers.each_name { |n| names << n.upcase }\nnames\n")).to eq(%w[ANN BO])
    expect(sandbox.eval("Shop::Customers.find('bo')")).to have_attributes(name: "bo", tier: :basic)
    expect(sandbox.eval("begin; FX::Rate.call('JPY'); rescue KeyError => e; [e.message, e.service]; end"))
      .to eq(['key not found: "JPY"', "FX::Rate.call"])
    expect { sandbox.eval("FX::Rate.call('JPY')") }
      .to raise_error(Kobako::ServiceError, 'FX::Rate.call raised KeyError: key not found: "JPY"')
    expect(sandbox.eval("Shop::Customers.find('bo').inspect")).to eq("#<Kobako::Handle Customer>")
    expect { sandbox.eval("Shop::Customers.find('ann').each_slice(9).to_a") }
      .to raise_error(Kobako::ServiceError, "Customer (Handle #1).each_slice is not callable from the sandbox")
    # The attack that inferred capabilities let through (issue 11) fails on the README's own setup.
    Dir.mktmpdir do |dir|
      Dir.chdir(dir) do
        expect { sandbox.eval(%(Shop::Customers.find("ann").each_slice(9).chain(["File.write('pwned', Process.pid.to_s)"]).inject(:instance_eval))) }
          .to raise_error(Kobako::ServiceError, /each_slice is not callable from the sandbox/)
        expect(File.exist?("pwned")).to be(false)
      end
    end
    expect { sandbox.eval("Shop::Customers.instance_variable_get(:@rows)") }
      .to raise_error(Kobako::ServiceError, /instance_variable_get is not callable from the sandbox/)
    # The calls above are the ones the README shows.
    expect(code).to include("FX::Rate.call('USD')", "rescue KeyError => e; [e.message, e.service]", "find('ann').discount(percent: 10)", "each_name { |n| names << n.upcase }")
  end

  it "runs the standard-library example: every `# =>` and `# raises` comment holds" do
    code = example_block(readme, "stdlib")
    checks, setup = code.lines.partition { |l| l.match?(/#\s*(=>|raises)/) }
    expect(checks.size).to eq(6)
    binding_for_example = Object.new.instance_eval { binding }
    binding_for_example.eval(setup.join)
    checks.each do |line|
      call, comment = line.split(/\s+#\s*(?==>|raises)/, 2)
      if comment.start_with?("raises ")
        expect { binding_for_example.eval(call) }.to raise_error(Kobako::SandboxError) { |e| expect(e.klass).to eq("LoadError") }
      else
        expect(binding_for_example.eval(call)).to eq(Kernel.eval(comment.delete_prefix("=>").strip)), call
      end
    end
  end

  it "runs the snippets example: every `# =>` and `# raises` comment holds" do
    code = example_block(readme, "snippets")
    checks, setup = code.lines.partition { |l| l.match?(/#\s*(=>|raises)/) }
    expect(checks.size).to eq(5)
    binding_for_example = Object.new.instance_eval { binding }
    Dir.chdir(File.expand_path("../..", __dir__)) do
      binding_for_example.eval(setup.join)
      checks.each do |line|
        call, comment = line.split(/\s+#\s*/, 2)
        if comment.start_with?("raises ")
          error = Object.const_get(comment.delete_prefix("raises ").strip)
          expect { binding_for_example.eval(call) }.to raise_error(error), call
        else
          expected = Kernel.eval(comment.delete_prefix("=>").strip)
          expect(binding_for_example.eval(call)).to eq(expected), call
        end
      end
    end
  end
end
