"""The operators the documents' matrix-form rules use (odot, star, full, rot, crop, ...), each said in words
once: shared by the layers' own words and the rendered overview, so they say them alike."""

from __future__ import annotations

from .base import NETWORK_SIZES, Sizes


def crop_words(sizes: Sizes) -> str:
    """What crop(.) does, exactly, with its operand's shape, in the document's size letters: the full correlation
    full_D(spread_S(G)) star rot180(dilate_D(K)) has S (H_o - 1) + D (K - 1) + 1 rows, at most the padded input's
    H + 2P; crop keeps rows P + 1 to P + H of it, and where it ends sooner (a stride that leaves the padded input's
    last rows unread) the rows past its end are zeros (identities.py and check's crop compute it so)."""
    h, w, ho, wo = sizes
    return (rf"$\operatorname{{crop}}(\cdot)$ keeps rows $P_h + 1$ to $P_h + {h}$ and columns $P_w + 1$ to $P_w + {w}$ "
            rf"of the full correlation inside it, $(S_h ({ho} - 1) + D_h (K_h - 1) + 1) \times "
            rf"(S_w ({wo} - 1) + D_w (K_w - 1) + 1)$ entries, with zeros past its end (a stride can leave the padded "
            "input's last rows or columns unread)")


def general_operators(sizes: Sizes) -> list[str]:
    r"""The operators of the general forms at any stride S, padding P and dilation D, one definition each and each
    its own name (review r11 item 4: a tilde had meant three things and three G's were decorated): a short list,
    the same in a single layer's document and a network's."""
    return [
        r"$\operatorname{pad}_P(\cdot)$ adds $P_h$ rows and $P_w$ columns of zeros on every side",
        r"$\operatorname{spread}_S(\cdot)$ puts $S_h - 1$ zero rows and $S_w - 1$ zero columns between entries",
        r"$\operatorname{dilate}_D(\cdot)$ puts $D_h - 1$ zero rows and $D_w - 1$ zero columns between a kernel's taps",
        r"$\operatorname{full}_D(\cdot)$ adds $D_h (K_h - 1)$ rows and $D_w (K_w - 1)$ columns of zeros on every side "
        r"($\operatorname{full}$ at $D = 1$): just enough for the kernel to meet each entry at each of its taps (the full "
        r"correlation)",
        r"$(U \star_D V)_{p,q} = \sum_{r,s} u_{D_h (p-1) + r,\, D_w (q-1) + s}\, v_{r,s}$, $1 \le p \le K_h$, "
        r"$1 \le q \le K_w$: the correlation at entries $D$ apart, cut to the kernel's size ($\star$ at $D = 1$)",
        crop_words(sizes),
    ]


# What the overview's notation means, said only for the operators its rules use (a network's: its size letters).
NOTATION = (
    (r"\odot", r"$\odot$ multiplies entry by entry"),
    (r"\star", r"$\star$ is the valid cross-correlation (stride 1, no padding, dilation 1), "
                r"$(U \star V)_{r,s} = \sum_{p,q} u_{r+p-1,\,s+q-1}\, v_{p,q}$ over the entries of $V$, wherever $V$ fits "
                r"inside $U$"),
    (r"\star_{", r"$\star_{s}$ is the cross-correlation taken at every $s$-th position (the stride)"),
    (r"\operatorname{full}_D", r"$\operatorname{full}_D(\cdot)$ adds $D_h (K_h - 1)$ rows and $D_w (K_w - 1)$ columns of "
                               r"zeros on every side, for a kernel of dilation $D$"),
    (r"\operatorname{full}", r"$\operatorname{full}(\cdot)$ adds $K_h - 1$ rows and $K_w - 1$ columns of zeros on every "
                              r"side: just enough for the kernel to meet each entry at each of its taps (the full "
                              r"correlation)"),
    (r"\operatorname{rot}", r"$\operatorname{rot}_{180}$ turns a kernel by 180 degrees"),
    (r"\operatorname{pad}", r"$\operatorname{pad}(\cdot)$ adds the layer's zero padding"),
    (r"\operatorname{crop}", crop_words(NETWORK_SIZES)),
    (r"\operatorname{reflect}", r"$\operatorname{reflect}(\cdot)$ pads with the input reflected across its border "
                                r"entries (the padded row next to the first row copies the second)"),
    (r"\operatorname{replicate}", r"$\operatorname{replicate}(\cdot)$ pads with the input's border entries repeated"),
    (r"\operatorname{circular}", r"$\operatorname{circular}(\cdot)$ pads with the input repeated, as if it wrapped "
                                 r"around"),
    (r"\operatorname{fold}", r"$\operatorname{fold}(\cdot)$ takes the gradient of a padded input back to the "
                             r"input: each padded entry's gradient is added to the input entry copied there"),
    (r"\operatorname{spread}", r"$\operatorname{spread}(\cdot)$ puts $s - 1$ zeros between neighbouring entries "
                               r"for a stride $s$"),
    (r"\operatorname{dilate}", r"$\operatorname{dilate}(\cdot)$ puts $d - 1$ zeros between the taps of a kernel "
                               r"of dilation $d$"),
    (r"\Omega_{r,s}", r"$\Omega_{r,s}$ is the window (the set of input entries) of output entry $(r, s)$"),
    (r"\mathbb{1}", r"$\mathbb{1}[\cdot]$ is 1 where its condition holds and 0 elsewhere"),
    (r"\oslash", r"$\oslash$ divides entry by entry"),
    (r"\mathbf{1}", r"$\mathbf{1}$ is the vector of ones, so that $\mathbf{1}^{\mathsf{T}} t$ sums the entries of $t$"),
    (r"\leftarrow", r"where several layers read a value, $\delta^{[j \leftarrow l]}$ (for the input, "
                    r"$(\partial L / \partial x)_{\leftarrow l}$) is the part of its gradient that comes back through "
                    r"layer $l$, and the value's gradient is the sum of these parts"),
)
