"""check's rules from heldout20 (a tiny CNN's cheat sheet, Ng's course on a CNN, a notebook's linear regression): W
for a convolution's kernel, in notes that name the dense weights otherwise or number W^{[l]} by the weighted layers;
Ng's example in the superscript and channel among the indices; a weight vector declared a column; a loss undefined
where a sigmoid saturates (log(1 - y-hat)), judged where it is defined."""

from __future__ import annotations

from .notes_network import network, statuses

# 4 x 4 image -> conv 3 x 3 + bias -> 2 x 2 -> relu -> global average pooling -> dense 1 -> 1 -> sigmoid -> BCE
TINY_CNN = """
    input = [1, 4, 4]
    [[layer]]
    type = "conv"
    out_channels = 1
    kernel = [3, 3]
    bias = true
    [[layer]]
    type = "relu"
    [[layer]]
    type = "global_avgpool"
    [[layer]]
    type = "dense"
    out_features = 1
    bias = true
    [[layer]]
    type = "sigmoid"
    [[layer]]
    type = "loss"
    formula = "FORMULA"
    reduction = "sum"
    """
BCE = network(TINY_CNN.replace("FORMULA", "-(t*log(a) + (1 - t)*log(1 - a))"))
FORWARD = r"""
    $Z_{ij} = b + \sum_{p,q=1}^{3} W_{pq}\, X_{i+p-1,\,j+q-1}$

    $A = \max(0, Z)$ ; $s = \frac14 \sum_{i,j} A_{ij}$ and $o = v s + c$ ; $\hat y = \sigma(o)$
    """


def test_w_is_the_convolutions_kernel_where_the_notes_forward_rule_says_so():
    # the kernel's entries X_{22}: dL/dZ_{ij} W_{3-i,3-j} (all four windows); X_{14}: only window (1,2), its tap (1,3)
    notes = FORWARD + r"""
    $$\frac{\partial L}{\partial W_{11}} = \frac{\partial L}{\partial Z_{11}}X_{11} + \frac{\partial L}{\partial Z_{12}}X_{12} + \frac{\partial L}{\partial Z_{21}}X_{21} + \frac{\partial L}{\partial Z_{22}}X_{22}$$

    $$\frac{\partial L}{\partial X_{22}} = \sum_{i=1}^{2}\sum_{j=1}^{2}\frac{\partial L}{\partial Z_{ij}}\,W_{3-i,\,3-j}$$

    $$\frac{\partial L}{\partial X_{14}} = \frac{\partial L}{\partial Z_{12}}\,W_{13}$$

    $$\frac{\partial L}{\partial X_{41}} = \frac{\partial L}{\partial Z_{21}}\,W_{11}$$

    $$\frac{\partial L}{\partial v} = \frac{\partial L}{\partial o}\, s$$
    """
    # X_{41} is tap (3,1) of window (2,1): W_{31}, not W_{11}; v, the dense weight, read by meaning
    assert statuses(notes, BCE)[-5:] == ["right", "right", "right", "wrong", "right"]


def test_w_stays_the_dense_matrix_without_a_forward_rule_that_says_otherwise():
    # no rule of the notes writes W for the kernel: W is the dense layer's weight, and a mistake with it stays one
    notes = r"""
    $$\frac{\partial L}{\partial a^{[3]}_1} = \frac{\partial L}{\partial a^{[4]}_1} W$$

    $$\frac{\partial L}{\partial a^{[3]}_1} = \frac{\partial L}{\partial a^{[4]}_1} (W + 1)$$
    """
    assert statuses(notes, BCE) == ["right", "wrong"]


def test_w_with_a_layer_is_the_weighted_layers_weights_kernel_or_matrix():
    # Ng's course: W^{[1]} the first weighted layer's filters, W^{[2]} the dense matrix
    notes = r"""
    $$Z^{[1]}_{i,j} = b^{[1]} + \sum_{p=1}^{3}\sum_{q=1}^{3} W^{[1]}_{p,q} X_{i+p-1,j+q-1}$$

    $$Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]}$$

    $$\frac{\partial L}{\partial W^{[1]}_{1,1}} = \sum_{i=1}^{2}\sum_{j=1}^{2} \frac{\partial L}{\partial Z^{[1]}_{i,j}} X_{i,j}$$

    $$\frac{\partial L}{\partial W^{[1]}_{1,2}} = \sum_{i=1}^{2}\sum_{j=1}^{2} \frac{\partial L}{\partial Z^{[1]}_{i,j}} X_{i,j}$$
    """
    d = network("""
        input = [1, 4, 4]
        [[layer]]
        type = "conv"
        out_channels = 1
        kernel = [3, 3]
        bias = true
        [[layer]]
        type = "relu"
        [[layer]]
        type = "flatten"
        [[layer]]
        type = "dense"
        out_features = 1
        bias = true
        [[layer]]
        type = "mse"
        """)
    assert statuses(notes, d)[-2:] == ["right", "wrong"]


def test_a_loss_undefined_where_a_sigmoid_saturates_is_judged_where_it_is_defined():
    # at random points the sigmoid's output rounds to 1 now and then, where log(1 - y-hat) is undefined: such a point
    # says nothing of the claim (it used to call the loss's own definition wrong)
    notes = FORWARD + r"""
    $$L = -\big[t\log\hat y + (1-t)\log(1-\hat y)\big]$$

    $$\frac{\partial L}{\partial \hat y} = \frac{\hat y - t}{\hat y(1-\hat y)}$$

    $$L = -\big[t\log\hat y + (1+t)\log(1-\hat y)\big]$$
    """
    assert statuses(notes, BCE)[-3:] == ["right", "right", "wrong"]


def test_a_loss_with_absolute_values_is_judged_where_the_network_is_defined():
    # log|y-hat| and log|1 - y-hat| equal the logs wherever the sigmoid's output lies, in (0, 1)
    d = network(TINY_CNN.replace("FORMULA", "-(t*log(Abs(a)) + (1 - t)*log(Abs(1 - a)))"))
    notes = FORWARD + r"""
    $$\frac{\partial L}{\partial \hat y} = \frac{\hat y - t}{\hat y(1-\hat y)}$$

    $$\frac{\partial L}{\partial \hat y} = \frac{t - \hat y}{\hat y(1-\hat y)}$$
    """
    assert statuses(notes, d)[-2:] == ["right", "wrong"]


def test_ngs_example_in_the_superscript_and_channel_among_the_indices():
    # Ng's course: Z^{[1](i)}_{h,w,c}, the example i in the superscript and the channel c last among the indices, the
    # filters W^{[1]}_{p,q,c_in,c} as (f, f, n_C_prev, n_C)
    d = network("""
        batch = 2
        input = [1, 3, 3]
        [[layer]]
        type = "conv"
        out_channels = 2
        kernel = [2, 2]
        bias = true
        [[layer]]
        type = "relu"
        [[layer]]
        type = "flatten"
        [[layer]]
        type = "dense"
        out_features = 1
        bias = true
        [[layer]]
        type = "mse"
        """)
    notes = r"""
    $$Z^{[1](i)}_{h,w,c} = \sum_{p=1}^{2}\sum_{q=1}^{2} W^{[1]}_{p,q,1,c}\, X^{(i)}_{h+p-1,\,w+q-1} + b^{[1]}_c$$

    $$Z^{[1](i)}_{h,w,c} = \sum_{p=1}^{2}\sum_{q=1}^{2} W^{[1]}_{q,p,1,c}\, X^{(i)}_{h+p-1,\,w+q-1} + b^{[1]}_c$$
    """
    assert statuses(notes, d) == ["right", "wrong"]


def test_a_weight_vector_declared_a_column_is_the_dense_matrix_transposed():
    # a notebook's linear regression: w \in R^{2 x 1} "a column", \hat Y = X w + b 1 with the examples as rows; symconv's
    # W is 1 x 2. The forward rule holds with w its transpose, so the notes' w (a name read by meaning) is W^T
    d = network("""
        batch = 3
        input = [2]
        [[layer]]
        type = "dense"
        out_features = 1
        bias = true
        [[layer]]
        type = "mse"
        reduction = "mean"
        """)
    notes = r"""
    Weights $w \in \mathbb{R}^{2\times 1}$ (a column), $\mathbf{1}$ the column of three ones.

    $$\hat Y = Xw + b\mathbf{1}$$

    $$\frac{\partial L}{\partial \hat Y} = \frac{2}{3}(\hat Y - Y)$$

    $$\frac{\partial L}{\partial X} = \frac{2}{3}(\hat Y - Y)\,w^{\top}$$

    $$\frac{\partial L}{\partial X} = \frac{2}{3}(\hat Y - Y)\,w^{\top} \odot X$$

    $$\frac{\partial L}{\partial w} = \frac{2}{3} X^{\top}(Xw + b\mathbf{1} - Y)$$

    $$\frac{\partial L}{\partial w} = \frac{2}{3} X^{\top}(Xw - Y)$$
    """
    got = statuses(notes, d)
    assert got == ["right", "right", "right", "wrong", "right", "wrong"], got


def test_a_sums_bounds_written_as_the_larger_and_smaller_of_two_indices():
    # average pooling 3 x 3 at stride 1 on a 6 x 6 input (heldout20's Russian notes): X_{i,j} is in the windows
    # r = max(1, i-2) .. min(4, i), each sharing its gradient among 9 entries
    d = network("""
        input = [1, 6, 6]
        input_gradient = true
        [[layer]]
        type = "avgpool"
        window = [3, 3]
        stride = [1, 1]
        """)
    right = (r"\frac{\partial L}{\partial x_{i,j}} = \frac{1}{9}\sum_{r=\max(1,\,i-2)}^{\min(4,\,i)}"
             r"\sum_{s=\max\left(1, j-2\right)}^{\min\{4, j\}} \frac{\partial L}{\partial a^{[1]}_{r,s}}")
    notes = f"$${right}$$\n\n$${right.replace('min(4', 'min(3')}$$\n"
    assert statuses(notes, d) == ["right", "wrong"]


def test_a_value_undefined_at_every_point_is_drawn_again_only_for_the_first(monkeypatch):
    # drawing again helps where a value is undefined by accident (a saturated sigmoid); where it is undefined everywhere,
    # the first point's REDRAWS draws say so, and every later point is drawn once
    from symconv.grading import meaning

    monkeypatch.setattr(meaning, "_defined", lambda entry, point, numbers: meaning.nan)
    m = meaning.Meaning(BCE)
    draws = []
    draw = m._draw
    monkeypatch.setattr(m, "_draw", lambda *args, **kwargs: draws.append(kwargs["whole"]) or draw(*args, **kwargs))
    points = m.points(8)
    assert len(draws) == meaning.REDRAWS + 7 and draws.count(True) == 8
    assert all(set(point) == set(points[0]) for point in points)  # every point worked out whole
