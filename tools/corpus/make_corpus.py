#!/usr/bin/python3
"""Deterministic generator of the real-PyTorch-export corpus in samples/corpus/.

Dev-time only: the product and its tests never run this. Needs Debian's python3-torch (1.13),
python3-torchvision (0.14), python3-onnx (1.12) and python3-numpy under /usr/bin/python3.

    /usr/bin/python3 tools/corpus/make_corpus.py            # writes samples/corpus/
    /usr/bin/python3 tools/corpus/make_corpus.py --only gru-tones --out /tmp/corpus

Every model is trained briefly on data this script generates (no weights are downloaded), then exported with the
TorchScript exporter (torch.onnx.export) at opset 11 and opset 17 with a dynamic batch axis (and a dynamic sequence
axis for the sequence models). Each model gets a held-out evaluation set (.npz, entries named after the ONNX inputs,
int64 `labels`) and its PyTorch accuracy on exactly those rows.
"""
import argparse
import hashlib
import io
import json
import math
import os
import random
import sys
import time
import zipfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.resnet import BasicBlock, ResNet

import onnx

OPSETS = (11, 17)
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)


# ----------------------------------------------------------------------------------------------------------------
# Data: coloured shapes (images), majority token (text), tone trajectories (audio-like log-mel frames)
# ----------------------------------------------------------------------------------------------------------------

SHAPE_CLASSES = ["disc", "ring", "square", "frame", "hbar", "vbar", "diag", "antidiag", "plus", "x"]


def make_shapes(n, rng, size=32):
    """n RGB images [n,3,size,size] float32 in [0,1]: one shape per image (the class) of a random colour, position
    and scale on a random dark background with pixel noise. Labels int64 0..9 in SHAPE_CLASSES order."""
    labels = np.arange(n) % len(SHAPE_CLASSES)
    rng.shuffle(labels)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    images = np.empty((n, 3, size, size), np.float32)
    for i, c in enumerate(labels):
        r = rng.uniform(4.0, 9.0)  # half-extent in pixels
        cy, cx = rng.uniform(r + 1, size - r - 1, 2)
        dy, dx = yy - cy, xx - cx
        w = rng.uniform(1.2, 2.2)  # stroke half-width
        name = SHAPE_CLASSES[c]
        if name == "disc":
            m = dy * dy + dx * dx <= r * r
        elif name == "ring":
            d = np.sqrt(dy * dy + dx * dx)
            m = np.abs(d - r) <= w
        elif name == "square":
            m = (np.abs(dy) <= r) & (np.abs(dx) <= r)
        elif name == "frame":
            a = np.maximum(np.abs(dy), np.abs(dx))
            m = np.abs(a - r) <= w
        elif name == "hbar":
            m = (np.abs(dy) <= w) & (np.abs(dx) <= r)
        elif name == "vbar":
            m = (np.abs(dx) <= w) & (np.abs(dy) <= r)
        elif name == "diag":
            m = (np.abs(dy + dx) <= w * 1.4) & (np.abs(dy - dx) <= r * 1.4)
        elif name == "antidiag":
            m = (np.abs(dy - dx) <= w * 1.4) & (np.abs(dy + dx) <= r * 1.4)
        elif name == "plus":
            m = ((np.abs(dy) <= w) & (np.abs(dx) <= r)) | ((np.abs(dx) <= w) & (np.abs(dy) <= r))
        else:  # x
            m = ((np.abs(dy + dx) <= w * 1.4) & (np.abs(dy - dx) <= r * 1.4)) | (
                (np.abs(dy - dx) <= w * 1.4) & (np.abs(dy + dx) <= r * 1.4))
        bg = rng.uniform(0.0, 0.4, 3).astype(np.float32)
        fg = rng.uniform(0.4, 1.0, 3).astype(np.float32)
        img = np.where(m[None], fg[:, None, None], bg[:, None, None])
        img = img + rng.normal(0.0, 0.12, img.shape)
        images[i] = np.clip(img, 0.0, 1.0)
    # Round to 1/255 steps like an 8-bit image: realistic, and the .npz compresses.
    images = np.round(images * 255.0) / 255.0
    return images.astype(np.float32), labels.astype(np.int64)


TOKEN_VOCAB = 48      # 0 = [PAD], 1..3 = key tokens, 4..47 = filler
TOKEN_KEYS = (1, 2, 3)
TOKEN_MAXLEN = 32


def make_tokens(n, rng, max_len=TOKEN_MAXLEN, min_len=8):
    """Majority-key-token task: each sequence has a random length in [min_len, max_len]; its valid part holds filler
    tokens and a few of the three key tokens; the label is which key token occurs most often (ties are re-drawn).
    Positions past the length are padding: attention_mask 0 there, and input_ids there are *random tokens, key tokens
    included* (not a pad id), so only the mask tells the model what to ignore."""
    ids = np.zeros((n, max_len), np.int64)
    mask = np.zeros((n, max_len), np.int64)
    labels = np.zeros(n, np.int64)
    for i in range(n):
        while True:
            length = int(rng.integers(min_len, max_len + 1))
            seq = rng.integers(4, TOKEN_VOCAB, length)
            counts = rng.multinomial(int(rng.integers(4, max(5, 3 * length // 4))), [1 / 3] * 3)
            if sorted(counts)[-1] == sorted(counts)[-2]:
                continue
            pos = rng.permutation(length)
            k = 0
            for key, cnt in zip(TOKEN_KEYS, counts):
                seq[pos[k:k + cnt]] = key
                k += cnt
            break
        ids[i, :length] = seq
        ids[i, length:] = rng.integers(1, TOKEN_VOCAB, max_len - length)
        mask[i, :length] = 1
        labels[i] = int(np.argmax(counts))
    return ids, mask, labels


TONE_CLASSES = ["low", "mid", "high", "up-chirp", "down-chirp", "vibrato", "two-tone", "pulses"]
MEL_BINS = 40
FRAMES = 48


def make_tones(n, rng, frames=FRAMES, bins=MEL_BINS):
    """Log-mel-like frames [n, frames, bins] float32 of synthetic sounds; the class is the pitch trajectory
    (TONE_CLASSES). Random onset, loudness, pitch jitter, harmonics and background noise, per-utterance
    mean/var normalised like a feature pipeline would."""
    labels = np.arange(n) % len(TONE_CLASSES)
    rng.shuffle(labels)
    t = np.arange(frames, dtype=np.float32)
    b = np.arange(bins, dtype=np.float32)[None, :]
    out = np.empty((n, frames, bins), np.float32)
    for i, c in enumerate(labels):
        name = TONE_CLASSES[c]
        base = rng.uniform(-3.5, 3.5)
        on = int(rng.integers(0, frames // 2))
        off = int(rng.integers(on + frames // 4, frames + 1))
        if name == "low":
            track = [np.full(frames, 8.0 + base)]
        elif name == "mid":
            track = [np.full(frames, 19.0 + base)]
        elif name == "high":
            track = [np.full(frames, 30.0 + base)]
        elif name == "up-chirp":
            track = [np.linspace(6.0, 32.0, frames) + base]
        elif name == "down-chirp":
            track = [np.linspace(32.0, 6.0, frames) + base]
        elif name == "vibrato":
            track = [19.0 + base + 7.0 * np.sin(2 * np.pi * t / rng.uniform(10, 16) + rng.uniform(0, 6.28))]
        elif name == "two-tone":
            track = [np.full(frames, 10.0 + base), np.full(frames, 28.0 + base)]
        else:  # pulses: mid tone switched on and off
            track = [np.full(frames, 19.0 + base)]
        energy = np.zeros((frames, bins), np.float32)
        loud = rng.uniform(0.6, 1.4)
        for tr in track:
            f = (tr + rng.normal(0.0, 1.5, frames)).astype(np.float32)[:, None]
            energy += loud * np.exp(-0.5 * ((b - f) / 1.3) ** 2)
            energy += 0.4 * loud * np.exp(-0.5 * ((b - np.minimum(f + 9.0, bins + 5)) / 1.6) ** 2)  # a harmonic
        gate = np.zeros(frames, np.float32)
        gate[on:off] = 1.0
        if name == "pulses":
            period = int(rng.integers(6, 10))
            phase = int(rng.integers(0, period))
            gate *= (((t + phase) // (period // 2)) % 2 == 0).astype(np.float32)
        energy *= gate[:, None]
        energy += rng.uniform(0.2, 0.8) * rng.random((frames, bins))
        logmel = np.log(energy + 1e-2)
        logmel = (logmel - logmel.mean()) / (logmel.std() + 1e-5)
        out[i] = logmel
    return out.astype(np.float32), labels.astype(np.int64)


# ----------------------------------------------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------------------------------------------

class SmallResNet(ResNet):
    """torchvision's ResNet (its BasicBlock, _make_layer and forward, the usual 7x7/2 stem and max-pool) with the
    stage widths reduced from 64/128/256/512 to `widths`; layers=(2,2,2,2) is the ResNet-18 layout."""

    def __init__(self, widths=(16, 32, 64, 128), layers=(2, 2, 2, 2), num_classes=10):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes = widths[0]
        self.dilation = 1
        self.groups = 1
        self.base_width = 64
        self.conv1 = nn.Conv2d(3, widths[0], kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(BasicBlock, widths[0], layers[0])
        self.layer2 = self._make_layer(BasicBlock, widths[1], layers[1], stride=2)
        self.layer3 = self._make_layer(BasicBlock, widths[2], layers[2], stride=2)
        self.layer4 = self._make_layer(BasicBlock, widths[3], layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[3], num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)


class TokenClassifier(nn.Module):
    """Token + learned position embeddings, nn.TransformerEncoder (multi-head self-attention, LayerNorm, GELU,
    pre-norm off), masked mean pooling, LayerNorm, Linear. Inputs input_ids/attention_mask int64 [batch, seq]."""

    def __init__(self, vocab=TOKEN_VOCAB, max_len=64, d_model=64, heads=4, ff=128, layers=2, num_classes=3):
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(max_len, d_model)
        layer = nn.TransformerEncoderLayer(d_model, heads, ff, dropout=0.0, activation="gelu", batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, num_classes)

    def forward(self, input_ids, attention_mask):
        positions = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        x = self.tok(input_ids) + self.pos(positions)
        x = self.encoder(x, src_key_padding_mask=attention_mask == 0)
        m = attention_mask.unsqueeze(-1).to(x.dtype)
        pooled = (x * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)
        return self.head(self.norm(pooled))


class ToneGru(nn.Module):
    """Two-layer GRU over [batch, time, 40] frames, last hidden state -> Linear."""

    def __init__(self, bins=MEL_BINS, hidden=64, num_classes=len(TONE_CLASSES)):
        super().__init__()
        self.gru = nn.GRU(bins, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, num_classes)

    def forward(self, features):
        # An explicit zero initial state sized from the input: without it the exporter bakes the example's batch
        # size into the GRU's initial_h (torch warns about exactly that).
        h0 = torch.zeros(self.gru.num_layers, features.shape[0], self.gru.hidden_size, dtype=features.dtype)
        _, h = self.gru(features, h0)
        return self.head(h[-1])


# ----------------------------------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------------------------------

def train(model, tensors, labels, epochs, batch, lr, seed, log):
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    n = labels.shape[0]
    steps = epochs * ((n + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.2)
    history = []
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=g)
        total, correct, loss_sum = 0, 0, 0.0
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            out = model(*[t[idx] for t in tensors])
            loss = F.cross_entropy(out, labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * idx.numel()
            correct += (out.argmax(1) == labels[idx]).sum().item()
            total += idx.numel()
        history.append({"epoch": epoch + 1, "loss": round(loss_sum / total, 4), "train_accuracy": round(correct / total, 4)})
        log(f"    epoch {epoch + 1}/{epochs}: loss {loss_sum / total:.4f} train acc {correct / total:.4f}")
    return history


def recalibrate_batchnorm(model, tensors, batch=128):
    """Recompute BatchNorm running statistics as exact averages over the training set (torchvision's MobileNetV3
    uses momentum 0.01, far too slow for a short training run)."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    with torch.no_grad():
        n = tensors[0].shape[0]
        for s in range(0, n, batch):
            model(*[t[s:s + batch] for t in tensors])
    model.eval()


@torch.no_grad()
def predict(model, tensors, batch=256):
    model.eval()
    outs = []
    for s in range(0, tensors[0].shape[0], batch):
        outs.append(model(*[t[s:s + batch] for t in tensors]))
    return torch.cat(outs)


# ----------------------------------------------------------------------------------------------------------------
# Export
# ----------------------------------------------------------------------------------------------------------------

def export(model, example, input_names, dynamic_axes, opset, path, producer_note):
    model.eval()
    buf = io.BytesIO()
    # Grad enabled with parameters that require grad keeps nn.TransformerEncoderLayer / nn.MultiheadAttention off
    # their fused inference "fast path" (aten::_transformer_encoder_layer_fwd has no ONNX symbolic in torch 1.13).
    with torch.enable_grad():
        torch.onnx.export(model, example, buf, export_params=True, opset_version=opset, do_constant_folding=True,
                          input_names=list(input_names), output_names=["logits"], dynamic_axes=dynamic_axes)
    proto = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(proto)
    proto.doc_string = producer_note
    meta = proto.metadata_props.add()
    meta.key = "generator"
    meta.value = "tools/corpus/make_corpus.py"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())
    return proto


def onnx_input_summary(proto):
    items = []
    for inp in proto.graph.input:
        t = inp.type.tensor_type
        dims = [d.dim_param if d.dim_param else d.dim_value for d in t.shape.dim]
        items.append({"name": inp.name, "elem_type": onnx.TensorProto.DataType.Name(t.elem_type).lower(), "shape": dims})
    return items


def op_histogram(proto):
    hist = {}
    for node in proto.graph.node:
        hist[node.op_type] = hist.get(node.op_type, 0) + 1
    return dict(sorted(hist.items(), key=lambda kv: (-kv[1], kv[0])))


def save_npz(path, arrays):
    """np.savez_compressed with fixed zip timestamps, so the same arrays give the same bytes on every run."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key, value in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(value), allow_pickle=False)
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())


def write_data_manifest(path, arrays):
    """The product's JSON dataset manifest for the .npz beside it: every input entry by name, and the labels."""
    doc = {"inputs": {k: {"file": "eval.npz", "array": k} for k in arrays if k != "labels"},
           "labels": {"file": "eval.npz", "array": "labels"}}
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def print_table(manifest):
    print("| model | opset | inputs (ONNX) | params | size | eval rows | torch accuracy | ops (top) |")
    print("|---|---|---|---|---|---|---|---|")
    for m in manifest["models"]:
        ins = "<br>".join(f"`{i['name']}` {i['elem_type']} [{', '.join(str(d) for d in i['shape'])}]" for i in m["inputs"])
        ops = ", ".join(f"{k} {v}" for k, v in list(m["ops"].items())[:6])
        extra = "".join(f" ({k.replace('_', ' ')}: {v:.4f})" for k, v in m.get("extra", {}).items())
        print(f"| [{m['name']}]({m['path']}) | {m['opset']} | {ins} | {m['parameters']:,} | {m['size_bytes'] / 1e6:.2f} MB "
              f"| {m['eval_rows']} | {m['torch_accuracy']:.4f}{extra} | {ops} |")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


# ----------------------------------------------------------------------------------------------------------------
# The corpus
# ----------------------------------------------------------------------------------------------------------------

def image_splits(seed, n_train, n_eval, size):
    rng = np.random.default_rng(seed)
    x_train, y_train = make_shapes(n_train, rng, size)
    x_eval, y_eval = make_shapes(n_eval, rng, size)
    return x_train, y_train, x_eval, y_eval


def build_image_model(name, model, seed, args, log):
    size = 32
    x_train, y_train, x_eval, y_eval = image_splits(1000 + 0, args.image_train, args.image_eval, size)
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    history = train(model, [xt], yt, args.image_epochs, 64, 4e-3, seed, log)
    recalibrate_batchnorm(model, [xt])
    logits = predict(model, [torch.from_numpy(x_eval)])
    acc = (logits.argmax(1).numpy() == y_eval).mean().item()
    example = (torch.from_numpy(x_eval[:2]),)
    return dict(model=model, history=history, accuracy=acc, example=example,
                inputs=["image"], dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
                eval_arrays={"image": x_eval, "labels": y_eval}, task="image classification, 10 coloured shapes",
                classes=SHAPE_CLASSES, logits=logits.numpy(), extra={})


def build_transformer(seed, args, log):
    rng = np.random.default_rng(2000)
    ids_tr, mask_tr, y_tr = make_tokens(args.text_train, rng)
    ids_ev, mask_ev, y_ev = make_tokens(args.text_eval, rng)
    model = TokenClassifier()
    tensors = [torch.from_numpy(ids_tr), torch.from_numpy(mask_tr)]
    history = train(model, tensors, torch.from_numpy(y_tr), args.text_epochs, 64, 2e-3, seed, log)
    ev = [torch.from_numpy(ids_ev), torch.from_numpy(mask_ev)]
    logits = predict(model, ev)
    acc = (logits.argmax(1).numpy() == y_ev).mean().item()
    acc_nomask = (predict(model, [ev[0], torch.ones_like(ev[1])]).argmax(1).numpy() == y_ev).mean().item()
    return dict(model=model, history=history, accuracy=acc, example=(ev[0][:2, :24], ev[1][:2, :24]),
                inputs=["input_ids", "attention_mask"],
                dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                              "logits": {0: "batch"}},
                eval_arrays={"input_ids": ids_ev, "attention_mask": mask_ev, "labels": y_ev},
                task="sequence classification: which of 3 key tokens is the majority; padding holds random tokens",
                classes=["key1", "key2", "key3"], logits=logits.numpy(),
                extra={"accuracy_with_all_ones_mask": acc_nomask})


def build_gru(seed, args, log):
    rng = np.random.default_rng(3000)
    x_tr, y_tr = make_tones(args.audio_train, rng)
    x_ev, y_ev = make_tones(args.audio_eval, rng)
    model = ToneGru()
    history = train(model, [torch.from_numpy(x_tr)], torch.from_numpy(y_tr), args.audio_epochs, 64, 4e-3, seed, log)
    logits = predict(model, [torch.from_numpy(x_ev)])
    acc = (logits.argmax(1).numpy() == y_ev).mean().item()
    return dict(model=model, history=history, accuracy=acc, example=(torch.from_numpy(x_ev[:2]),),
                inputs=["features"],
                dynamic_axes={"features": {0: "batch", 1: "time"}, "logits": {0: "batch"}},
                eval_arrays={"features": x_ev, "labels": y_ev},
                task="audio classification: 8 pitch trajectories over 40-bin log-mel-like frames",
                classes=TONE_CLASSES, logits=logits.numpy(), extra={})


MODELS = {
    "resnet-shapes": "torchvision ResNet (BasicBlock, ResNet-18 layout 2-2-2-2) at widths 16/32/64/128",
    "mobilenetv3-shapes": "torchvision mobilenet_v3_small(width_mult=0.5): HardSwish, squeeze-excite, depthwise",
    "transformer-tokens": "nn.TransformerEncoder, 2 layers, d_model 64, 4 heads, GELU, LayerNorm, masked mean pooling",
    "gru-tones": "nn.GRU, 2 layers, hidden 64, batch_first, last hidden state -> Linear",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "samples", "corpus"))
    ap.add_argument("--only", action="append", choices=list(MODELS), help="build only these models (repeatable)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--table", action="store_true", help="print the README table from manifest.json and exit")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--image-train", type=int, default=4000)
    ap.add_argument("--image-eval", type=int, default=300)
    ap.add_argument("--image-epochs", type=int, default=6)
    ap.add_argument("--text-train", type=int, default=4000)
    ap.add_argument("--text-eval", type=int, default=300)
    ap.add_argument("--text-epochs", type=int, default=3)
    ap.add_argument("--audio-train", type=int, default=2000)
    ap.add_argument("--audio-eval", type=int, default=256)
    ap.add_argument("--audio-epochs", type=int, default=4)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    log = lambda s: print(s, flush=True)
    names = args.only or list(MODELS)
    manifest_path = os.path.join(args.out, "manifest.json")
    manifest = {"generator": "tools/corpus/make_corpus.py", "models": []}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
    entries = {m["name"]: m for m in manifest["models"]}
    if args.table:
        print_table(manifest)
        return

    for i, name in enumerate(names):
        seed = args.seed + 100 * list(MODELS).index(name)
        seed_everything(seed)
        log(f"== {name} (seed {seed})")
        started = time.time()
        if name == "resnet-shapes":
            r = build_image_model(name, SmallResNet(), seed, args, log)
        elif name == "mobilenetv3-shapes":
            r = build_image_model(name, torchvision.models.mobilenet_v3_small(width_mult=0.5, num_classes=10),
                                  seed, args, log)
        elif name == "transformer-tokens":
            r = build_transformer(seed, args, log)
        else:
            r = build_gru(seed, args, log)
        train_s = time.time() - started
        model = r["model"].eval()
        params = sum(p.numel() for p in model.parameters())
        data_rel = f"{name}/eval.npz"
        data_path = os.path.join(args.out, data_rel)
        os.makedirs(os.path.dirname(data_path), exist_ok=True)
        save_npz(data_path, r["eval_arrays"])
        write_data_manifest(os.path.join(args.out, name, "eval.json"), r["eval_arrays"])
        log(f"    torch accuracy on eval.npz: {r['accuracy']:.4f} ({train_s:.0f} s) {r['extra']}")
        for opset in OPSETS:
            rel = f"{name}-opset{opset}/model.onnx"
            path = os.path.join(args.out, rel)
            proto = export(model, r["example"], r["inputs"], r["dynamic_axes"], opset, path,
                           f"{MODELS[name]}; trained by tools/corpus/make_corpus.py (seed {seed})")
            key = f"{name}-opset{opset}"
            entries[key] = {
                "name": key,
                "family": name,
                "path": rel,
                "data": data_rel,
                "data_manifest": f"{name}/eval.json",
                "task": "classification",
                "description": MODELS[name],
                "dataset": r["task"],
                "classes": r["classes"],
                "opset": opset,
                "inputs": onnx_input_summary(proto),
                "input_names": r["inputs"],
                "output_names": ["logits"],
                "output_kind": "logits",
                "eval_rows": int(r["eval_arrays"]["labels"].shape[0]),
                "parameters": int(params),
                "size_bytes": os.path.getsize(path),
                "torch_accuracy": round(float(r["accuracy"]), 6),
                "extra": {k: round(float(v), 6) for k, v in r["extra"].items()},
                "training": {"seed": seed, "history": r["history"]},
                "ops": op_histogram(proto),
                "sha256": sha256(path),
                "data_sha256": sha256(data_path),
                "torch": torch.__version__, "torchvision": torchvision.__version__, "onnx": onnx.__version__,
            }
            log(f"    {rel}: {os.path.getsize(path)} bytes, {len(proto.graph.node)} nodes")
        with open(manifest_path, "w") as f:
            manifest["models"] = [entries[k] for k in sorted(entries)]
            json.dump(manifest, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
