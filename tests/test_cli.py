"""The command line: outputs, one-line errors with exit status 2, nothing left half-written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from symconv.cli import cli, main


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out, err = capsys.readouterr()
    return stop.value.code, out, err


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_render_default_writes_the_formats_into_a_slug_folder(capsys, in_tmp):
    code, out, err = run(["render", "--format", "tex,md,json"], capsys)
    assert code == 0, err
    folder = in_tmp / "output" / "conv_in1x3x3_k1x2x2_s1x1_p0x0_d1x1_bias"
    assert sorted(p.name for p in folder.iterdir()) == ["derivation.json", "derivation.md", "derivation.tex",
                                                        "figure-full.svg", "figure-slide.svg", "figure-window.svg"]
    assert "wrote output/conv_in1x3x3_k1x2x2_s1x1_p0x0_d1x1_bias/derivation.tex" in out


def test_the_default_document_shows_all_three_key_results(capsys, in_tmp):
    """render's default layer has a bias, so that its document shows dL/dK, dL/dX and dL/db (issue 24);
    --no-bias leaves dL/db out; verify keeps no bias by default, check reads it from the notes."""
    code, out, err = run(["render", "--format", "tex", "--out", "-"], capsys)
    assert code == 0, err
    boxed = [line for line in out.splitlines() if line.startswith(r"&\boxed{")]
    assert [line.split("=")[0] for line in boxed] == [r"&\boxed{\frac{\partial L}{\partial K} ",
                                                      r"&\boxed{\frac{\partial L}{\partial X} ",
                                                      r"&\boxed{\frac{\partial L}{\partial b} "]
    assert r"\frac{\partial L}{\partial b} &= g_{1,1} + g_{1,2} + g_{2,1} + g_{2,2}" in out  # the sum, entry by entry
    code, out, err = run(["render", "--no-bias", "--format", "tex", "--out", "-"], capsys)
    assert code == 0 and r"\partial b" not in out
    assert "[default: no-bias]" in " ".join(run(["verify", "--help"], capsys)[1].split())
    # check's layer has a bias when the notes write one (test_check.py reads render's document back)
    assert "Default: when the notes write one (b)." in " ".join(run(["check", "--help"], capsys)[1].split())


def test_render_the_issue_example_to_json_on_stdout(capsys):
    code, out, err = run(
        ["render", "--input", "5x7", "--in-channels", "2", "--kernel", "3x2", "--out-channels", "3", "--stride", "2x1",
         "--padding", "1x0", "--dilation", "1x2", "--bias", "--names", "X,F,O", "--format", "json", "--out", "-"],
        capsys,
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["spec"]["names"] == {"input": "X", "kernel": "F", "output": "O"}
    assert [t["shape"] for t in doc["tensors"] if t["name"] == "Y"] == [[3, 3, 5]]


def test_verify_prints_errors_per_tensor(capsys):
    code, out, err = run(["verify", "--input", "4", "--kernel", "3", "--padding", "1", "--stride", "2", "--bias"], capsys)
    assert code == 0, err
    for tensor in ("Y", "dL/dX", "dL/dK", "dL/db"):
        assert any(line.startswith(tensor + " ") and line.endswith("ok") for line in out.splitlines())
    assert "all entries agree within 1e-09" in out


BAD = [
    (["--kernel", "4x4"], "kernel 4x4"),
    (["--stride", "0"], "stride 0x0"),
    (["--stride", "-2"], "stride -2x-2"),
    (["--dilation", "0x1"], "dilation 0x1"),
    (["--input", "0"], "input 0x0"),
    (["--in-channels", "0"], "in-channels 0"),
    (["--out-channels", "-1"], "out-channels -1"),
    (["--input", "3xa"], "'3xa'"),
    (["--input", "3x"], "'3x'"),
    (["--input", "x3"], "'x3'"),
    (["--input", "3x3x3"], "'3x3x3'"),
    (["--in-channels", "two"], "'two'"),
    (["--padding", "-1"], "padding -1x-1"),
    (["--convention", "fft"], "'fft'"),
    (["--format", "pdf,docx"], "'docx'"),
    (["--names", "x,k"], "'x,k'"),
    (["--names", "x,k,y_1"], "'y_1'"),
    (["--names", "beta,k,y"], "'beta'"),
    (["--names", "x,\\def,y"], "'\\\\def'"),
    (["--input", "200", "--kernel", "9", "--out-channels", "8"], "--force"),
    (["--input", "40", "--kernel", "3", "--out-channels", "4"], "too long to read"),
    (["--out", "-", "--format", "pdf"], "one text format"),
    (["--bogus"], "--bogus"),
]


@pytest.mark.parametrize("args, named", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(args, named, capsys, in_tmp):
    code, out, err = run(["render", *args], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("symconv: error: ")
    assert named in err
    assert "Traceback" not in err and out == ""
    assert not (in_tmp / "output").exists()


def test_force_lets_a_large_document_through(capsys, in_tmp):
    code, _, err = run(["render", "--input", "40", "--kernel", "3", "--out-channels", "4", "--format", "json", "--force"], capsys)
    assert code == 0, err


def test_every_command_has_help(capsys):
    for name in [None, *cli.commands]:
        code, out, _ = run([name, "--help"] if name else ["--help"], capsys)
        assert code == 0 and "Usage:" in out
        if name:
            assert cli.commands[name].help


def test_python_dash_m_runs_the_cli(in_tmp):
    result = subprocess.run([sys.executable, "-m", "symconv", "render", "--format", "json", "--out", "-"],
                            capture_output=True, text=True, cwd=in_tmp, env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["format"] == "symconv-derivation/1"


def test_help_does_not_import_sympy(in_tmp):
    code = "import sys; from symconv.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass\nprint('sympy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=in_tmp,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert result.stdout.strip().endswith("False")


def test_json_alone_does_not_load_the_documents_code(in_tmp):
    # The JSON needs neither the documents' code (Jinja, the figures) nor NumPy, whose imports were a
    # quarter of `render --format json` at 28x28; the first document loads them.
    code = ("import sys; from symconv.cli import main\ntry: main(['render', '--format', 'json', '--out', 'o'])\n"
            "except SystemExit: pass\nprint(sorted(m for m in ('numpy', 'jinja2', 'symconv.rendering.document') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=in_tmp,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert result.stdout.strip().endswith("[]"), result.stdout + result.stderr
    assert (in_tmp / "o" / "derivation.json").exists()


def test_render_and_verify_without_torch_do_not_import_it(in_tmp):
    # PyTorch's import alone is over a second: only verify's comparison with it pays it.
    code = ("import sys; from symconv.cli import main\n"
            "for args in (['render', '--format', 'tex,md,html,json', '--out', 'o'], ['verify', '--no-torch']):\n"
            "    try: main(args)\n"
            "    except SystemExit: pass\n"
            "print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=in_tmp,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert result.stdout.strip().endswith("False"), result.stdout + result.stderr


def test_a_layer_s_documents_load_no_toml_reader_and_no_package_resources(in_tmp):
    # A layer given by its options reads no network file (tomllib), and the built-in templates are found
    # from their package's folder, not through importlib.resources (whose readers import zipfile).
    code = ("import sys; from symconv.cli import main\ntry: main(['render', '--format', 'tex,md', '--out', 'o'])\n"
            "except SystemExit: pass\nprint(sorted(m for m in ('tomllib', 'zipfile', 'importlib.readers') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=in_tmp,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert result.stdout.strip().endswith("[]"), result.stdout + result.stderr
    assert (in_tmp / "o" / "derivation.tex").exists()


EXAMPLES = Path(__file__).parents[1] / "examples"


def test_render_and_verify_a_network(capsys, in_tmp):
    code, out, err = run(["render", "--network", str(EXAMPLES / "three_layer_cnn.toml"), "--format", "md,json"], capsys)
    assert code == 0, err
    folder = next((in_tmp / "output").iterdir())
    assert folder.name.startswith("net_three_layer_cnn_")
    assert json.loads((folder / "derivation.json").read_text())["spec"]["input"] == [1, 8, 8]
    code, out, err = run(["verify", "--network", str(EXAMPLES / "conv_relu_maxpool_dense.toml")], capsys)
    assert code == 0, err
    assert "dL/dK[1]" in out and "all entries agree" in out


@pytest.mark.parametrize(
    "text, named",
    [('input = [1, 4, 4]\n[[layer]]\ntype = "pool"\n', "layer 1: type 'pool'"),
     ('input = [1, 4, 4\n', "TOML syntax error"),
     ('input = [1, 4, 4]\n[[layer]]\ntype = "maxpool"\nwindw = 2\n', "'windw'")],
)
def test_bad_network_file_is_one_line_exit_2(text, named, capsys, in_tmp):
    (in_tmp / "bad.toml").write_text(text)
    code, out, err = run(["render", "--network", "bad.toml"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("symconv: error: bad.toml: ") and named in err
    assert not (in_tmp / "output").exists()


def test_network_and_layer_options_do_not_mix(capsys, in_tmp):
    code, _, err = run(["verify", "--network", str(EXAMPLES / "single_conv.toml"), "--kernel", "3"], capsys)
    assert code == 2 and "--kernel describes a single layer" in err


def test_missing_network_file(capsys, in_tmp):
    code, _, err = run(["render", "--network", "nowhere.toml"], capsys)
    assert code == 2 and "nowhere.toml: cannot read it" in err


def test_verify_exits_1_when_an_entry_disagrees(capsys, monkeypatch):
    from symconv.numeric import verify as verify_module

    real = verify_module.evaluate

    def off_by_a_little(derivation, leaves, from_sympy=False):
        values = real(derivation, leaves, from_sympy)
        values["dL/dK"] = values["dL/dK"] + 1e-6
        return values

    monkeypatch.setattr(verify_module, "evaluate", off_by_a_little)
    code, out, err = run(["verify"], capsys)
    assert code == 1
    assert any(line.startswith("dL/dK ") and line.endswith("FAILED") for line in out.splitlines())
    assert "differ by more than 1e-09" in err


def test_without_latex_the_other_formats_are_written(capsys, in_tmp, monkeypatch):
    from symconv.rendering import pdf

    monkeypatch.setattr(pdf, "latex_available", lambda: False)
    code, out, err = run(["render"], capsys)
    assert code == 0
    folder = in_tmp / "output" / "conv_in1x3x3_k1x2x2_s1x1_p0x0_d1x1_bias"
    assert sorted(p.name for p in folder.iterdir()) == ["derivation.html", "derivation.json", "derivation.md",
                                                        "derivation.tex", "figure-full.svg", "figure-slide.svg", "figure-window.svg"]
    assert len(err.strip().splitlines()) == 1 and "apt-get install" in err


def test_render_jacobians_to_json_and_a_separate_folder(capsys, in_tmp):
    code, out, err = run(["render", "--input", "4", "--kernel", "2", "--stride", "2", "--padding", "1", "--bias",
                          "--jacobians", "--format", "json,md"], capsys)
    assert code == 0, err
    folder = in_tmp / "output" / "conv_in1x4x4_k1x2x2_s2x2_p1x1_d1x1_bias_jacobians"
    doc = json.loads((folder / "derivation.json").read_text())
    shapes = {t["name"]: t["shape"] for t in doc["tensors"]}
    assert shapes["dvecY/dvecK"] == [9, 4] and shapes["dvecY/dvecX"] == [9, 16] and shapes["dvecY/db"] == [9, 1]
    assert "The Jacobian with respect to the kernel" in (folder / "derivation.md").read_text()


def test_verify_jacobians(capsys):
    code, out, err = run(["verify", "--input", "4", "--kernel", "2", "--stride", "2", "--jacobians"], capsys)
    assert code == 0, err
    assert any(line.startswith("dvecY/dvecX ") and line.endswith("ok") for line in out.splitlines())


def test_jacobians_of_a_network_is_one_line_exit_2(capsys, in_tmp):
    example = Path(__file__).parents[1] / "examples" / "single_conv.toml"
    code, out, err = run(["render", "--network", str(example), "--jacobians"], capsys)
    assert code == 2 and err.count("\n") == 1 and "single convolution layer" in err
    assert not (in_tmp / "output").exists()


def test_verify_reports_numpy_first_and_each_references_time(capsys):
    from .conftest import need_torch

    need_torch()
    code, out, err = run(["verify", "--input", "4", "--kernel", "2"], capsys)
    assert code == 0, err
    references = [line.split()[1] for line in out.splitlines()[1:] if line.endswith("ok")]
    assert references == ["numpy"] * 3 + ["torch"] * 3
    timed = [line for line in err.splitlines() if line.endswith(" s")]
    assert [line.split()[1] for line in timed] == ["NumPy's", "PyTorch's"], err
    # The times go to stderr: standard output is the same on every run.
    assert run(["verify", "--input", "4", "--kernel", "2"], capsys)[1] == out


def test_verify_without_torch(capsys):
    code, out, err = run(["verify", "--input", "4", "--kernel", "2", "--no-torch"], capsys)
    assert code == 0, err
    assert " torch " not in out and "numpy" in out and "PyTorch is not installed" not in out


def test_render_several_network_files_in_parallel(capsys, in_tmp):
    examples = sorted(str(p) for p in (Path(__file__).parents[1] / "examples").glob("*.toml"))
    bad = in_tmp / "bad.toml"
    bad.write_text('input = [1, 3, 3]\n[[layer]]\ntype = "conv"\nkernel = [5, 5]\nout_channels = 1\n')
    args = ["render", *examples, str(bad), "--format", "tex,md,json", "--jobs", "2"]
    code, out, err = run(args, capsys)
    assert code == 1
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["written"] * len(examples) + ["failed"]
    assert "layer 1 (conv): kernel 5x5" in lines[-2]
    assert lines[-1] == f"{len(examples) + 1} file(s): {len(examples)} written, 0 unchanged, 1 failed"
    # A second run finds every file as it would write it, and rewrites only what was removed.
    removed = next((in_tmp / "output").glob("net_three_layer_cnn_*")) / "derivation.md"
    removed.unlink()
    code, out, err = run(["render", *examples, "--format", "tex,md,json"], capsys)
    assert code == 0 and out.splitlines()[-1] == f"{len(examples)} file(s): 1 written, {len(examples) - 1} unchanged, 0 failed"
    assert removed.exists()


def test_network_files_do_not_mix_with_layer_options(capsys, in_tmp):
    example = str(Path(__file__).parents[1] / "examples" / "single_conv.toml")
    code, out, err = run(["render", example, "--kernel", "3"], capsys)
    assert code == 2 and "--kernel does not go with network files" in err


def test_markdown_on_standard_output_carries_its_figures(capsys):
    code, out, err = run(["render", "--format", "md", "--out", "-"], capsys)
    assert code == 0 and out.count("](data:image/svg+xml;base64,") == 3 and "figure-window.svg" not in out


@pytest.mark.parametrize("args, message", [
    (["--example", "-1"], "--example -1 is not valid: give a seed from 0 to"),
    (["--example", "two"], "--example 'two' is not a whole number"),
    (["--upstream-symbol", "x"], "upstream symbol 'x' is not valid: the document already writes x"),
    (["--upstream-symbol", "foo"], "upstream symbol 'foo' is not valid: give one letter such as g, a Greek letter"),
    (["--upstream-symbol", "L"], "upstream symbol 'L' is not valid: the document already writes L"),
])
def test_bad_document_options_are_one_line_and_exit_2(args, message, capsys, in_tmp):
    code, out, err = run(["render", "--format", "md", *args], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not (in_tmp / "output").exists()  # nothing half-written


def test_document_options_choose_what_the_documents_show(capsys, in_tmp):
    network = str(Path(__file__).parents[1] / "examples" / "conv_relu_maxpool_dense.toml")
    code, out, err = run(["render", "--network", network, "--format", "md", "--out", "-"], capsys)
    few = out
    code, out, err = run(["render", "--network", network, "--format", "md", "--all-entries", "--input-gradient",
                          "--upstream-symbol", "frac", "--out", "-"], capsys)
    assert code == 0, err
    shown = "the sections below write out the first entry of each tensor (channel 1, row 1, column 1)"
    assert shown in few and shown not in out
    # The file asks for its input's gradient (the full convolution): a corner entry, and with --all-entries the rest.
    assert r"\frac{\partial L}{\partial x_{1,1}}" in few and r"\frac{\partial L}{\partial x_{1,2}}" not in few
    assert r"\frac{\partial L}{\partial x_{1,2}}" in out
    assert r"\delta^{[" in few and r"\delta^{[" not in out  # the full fraction instead
    code, out, err = run(["render", "--format", "md", "--no-example", "--out", "-"], capsys)
    assert code == 0 and "A worked example" not in out
    code, out, err = run(["render", "--format", "md", "--example", "7", "--upstream-symbol", "delta"], capsys)
    assert code == 0 and "conv_in1x3x3_k1x2x2_s1x1_p0x0_d1x1_bias_example7_upstream-delta" in out
    text = (in_tmp / "output" / "conv_in1x3x3_k1x2x2_s1x1_p0x0_d1x1_bias_example7_upstream-delta" / "derivation.md").read_text()
    assert r"\delta_{r,s} = \partial L / \partial y_{r,s}" in text and "A worked example" in text
