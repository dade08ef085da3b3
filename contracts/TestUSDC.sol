// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// A test-only stand-in for Circle's FiatToken v2 (USDC) on a local devnet.
// It keeps the parts x402 relies on: ERC-20 with 6 decimals, the EIP-712 domain
// {name "USDC", version "2"}, and EIP-3009 transfer/receive/cancel authorizations.
// Revert strings copy FiatToken's because the x402 facilitator maps them to
// failure reasons by matching the text. Pausing, blacklists and minter roles are
// left out: a single owner (the deployer) mints.

interface IERC1271 {
  function isValidSignature(bytes32 hash, bytes memory signature) external view returns (bytes4);
}

contract TestUSDC {
  string public constant name = "USDC";
  string public constant symbol = "USDC";
  string public constant version = "2";
  uint8 public constant decimals = 6;

  bytes32 public constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH =
    keccak256(
      "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
  bytes32 public constant RECEIVE_WITH_AUTHORIZATION_TYPEHASH =
    keccak256(
      "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
  bytes32 public constant CANCEL_AUTHORIZATION_TYPEHASH =
    keccak256("CancelAuthorization(address authorizer,bytes32 nonce)");

  bytes32 private constant DOMAIN_TYPEHASH =
    keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
  // secp256k1n / 2: higher s values are malleable twins and are refused, as in FiatToken.
  uint256 private constant MAX_S = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

  address public owner;
  uint256 public totalSupply;
  mapping(address => uint256) public balanceOf;
  mapping(address => mapping(address => uint256)) public allowance;
  mapping(address => mapping(bytes32 => bool)) private _authorizationStates;

  event Transfer(address indexed from, address indexed to, uint256 value);
  event Approval(address indexed owner, address indexed spender, uint256 value);
  event Mint(address indexed minter, address indexed to, uint256 amount);
  event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);
  event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce);

  constructor() {
    owner = msg.sender;
  }

  // Computed on every call (not cached at deploy) so that a state file loaded
  // under a different chain id cannot keep signing against a stale domain.
  function DOMAIN_SEPARATOR() public view returns (bytes32) {
    return
      keccak256(
        abi.encode(DOMAIN_TYPEHASH, keccak256(bytes(name)), keccak256(bytes(version)), block.chainid, address(this))
      );
  }

  function mint(address to, uint256 amount) external returns (bool) {
    require(msg.sender == owner, "Ownable: caller is not the owner");
    require(to != address(0), "FiatToken: mint to the zero address");
    require(amount > 0, "FiatToken: mint amount not greater than 0");
    totalSupply += amount;
    balanceOf[to] += amount;
    emit Mint(msg.sender, to, amount);
    emit Transfer(address(0), to, amount);
    return true;
  }

  function transfer(address to, uint256 value) external returns (bool) {
    _transfer(msg.sender, to, value);
    return true;
  }

  function approve(address spender, uint256 value) external returns (bool) {
    require(spender != address(0), "ERC20: approve to the zero address");
    allowance[msg.sender][spender] = value;
    emit Approval(msg.sender, spender, value);
    return true;
  }

  function transferFrom(address from, address to, uint256 value) external returns (bool) {
    require(value <= allowance[from][msg.sender], "ERC20: transfer amount exceeds allowance");
    allowance[from][msg.sender] -= value;
    _transfer(from, to, value);
    return true;
  }

  function authorizationState(address authorizer, bytes32 nonce) external view returns (bool) {
    return _authorizationStates[authorizer][nonce];
  }

  function transferWithAuthorization(
    address from,
    address to,
    uint256 value,
    uint256 validAfter,
    uint256 validBefore,
    bytes32 nonce,
    uint8 v,
    bytes32 r,
    bytes32 s
  ) external {
    _transferWithAuthorization(from, to, value, validAfter, validBefore, nonce, abi.encodePacked(r, s, v));
  }

  function transferWithAuthorization(
    address from,
    address to,
    uint256 value,
    uint256 validAfter,
    uint256 validBefore,
    bytes32 nonce,
    bytes memory signature
  ) external {
    _transferWithAuthorization(from, to, value, validAfter, validBefore, nonce, signature);
  }

  function receiveWithAuthorization(
    address from,
    address to,
    uint256 value,
    uint256 validAfter,
    uint256 validBefore,
    bytes32 nonce,
    uint8 v,
    bytes32 r,
    bytes32 s
  ) external {
    _receiveWithAuthorization(from, to, value, validAfter, validBefore, nonce, abi.encodePacked(r, s, v));
  }

  function receiveWithAuthorization(
    address from,
    address to,
    uint256 value,
    uint256 validAfter,
    uint256 validBefore,
    bytes32 nonce,
    bytes memory signature
  ) external {
    _receiveWithAuthorization(from, to, value, validAfter, validBefore, nonce, signature);
  }

  function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s) external {
    _cancelAuthorization(authorizer, nonce, abi.encodePacked(r, s, v));
  }

  function cancelAuthorization(address authorizer, bytes32 nonce, bytes memory signature) external {
    _cancelAuthorization(authorizer, nonce, signature);
  }

  function _transferWithAuthorization(
    address from,
    address to,
    uint256 value,
    uint256 validAfter,
    uint256 validBefore,
    bytes32 nonce,
    bytes memory signature
  ) private {
    _requireValidAuthorization(from, nonce, validAfter, validBefore);
    bytes32 structHash = keccak256(
      abi.encode(TRANSFER_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce)
    );
    _requireValidSignature(from, structHash, signature);
    _markAuthorizationAsUsed(from, nonce);
    _transfer(from, to, value);
  }

  function _receiveWithAuthorization(
    address from,
    address to,
    uint256 value,
    uint256 validAfter,
    uint256 validBefore,
    bytes32 nonce,
    bytes memory signature
  ) private {
    // Only the payee may submit, so a front-runner cannot burn the authorization elsewhere.
    require(to == msg.sender, "FiatTokenV2: caller must be the payee");
    _requireValidAuthorization(from, nonce, validAfter, validBefore);
    bytes32 structHash = keccak256(
      abi.encode(RECEIVE_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce)
    );
    _requireValidSignature(from, structHash, signature);
    _markAuthorizationAsUsed(from, nonce);
    _transfer(from, to, value);
  }

  function _cancelAuthorization(address authorizer, bytes32 nonce, bytes memory signature) private {
    _requireUnusedAuthorization(authorizer, nonce);
    _requireValidSignature(authorizer, keccak256(abi.encode(CANCEL_AUTHORIZATION_TYPEHASH, authorizer, nonce)), signature);
    _authorizationStates[authorizer][nonce] = true;
    emit AuthorizationCanceled(authorizer, nonce);
  }

  function _requireValidAuthorization(
    address authorizer,
    bytes32 nonce,
    uint256 validAfter,
    uint256 validBefore
  ) private view {
    require(block.timestamp > validAfter, "FiatTokenV2: authorization is not yet valid");
    require(block.timestamp < validBefore, "FiatTokenV2: authorization is expired");
    _requireUnusedAuthorization(authorizer, nonce);
  }

  function _requireUnusedAuthorization(address authorizer, bytes32 nonce) private view {
    require(!_authorizationStates[authorizer][nonce], "FiatTokenV2: authorization is used or canceled");
  }

  function _markAuthorizationAsUsed(address authorizer, bytes32 nonce) private {
    _authorizationStates[authorizer][nonce] = true;
    emit AuthorizationUsed(authorizer, nonce);
  }

  // EOAs sign with ECDSA; contract wallets answer through EIP-1271, as FiatToken v2.2 does.
  function _requireValidSignature(address signer, bytes32 structHash, bytes memory signature) private view {
    bytes32 digest = keccak256(abi.encodePacked("\x19\x01", DOMAIN_SEPARATOR(), structHash));
    bool valid = signer.code.length == 0
      ? _recover(digest, signature) == signer
      : _isValidERC1271Signature(signer, digest, signature);
    require(valid, "FiatTokenV2: invalid signature");
  }

  function _recover(bytes32 digest, bytes memory signature) private pure returns (address) {
    require(signature.length == 65, "ECRecover: invalid signature length");
    bytes32 r;
    bytes32 s;
    uint8 v;
    assembly {
      r := mload(add(signature, 0x20))
      s := mload(add(signature, 0x40))
      v := byte(0, mload(add(signature, 0x60)))
    }
    require(uint256(s) <= MAX_S, "ECRecover: invalid signature 's' value");
    require(v == 27 || v == 28, "ECRecover: invalid signature 'v' value");
    address signer = ecrecover(digest, v, r, s);
    require(signer != address(0), "ECRecover: invalid signature");
    return signer;
  }

  function _isValidERC1271Signature(address signer, bytes32 digest, bytes memory signature) private view returns (bool) {
    (bool ok, bytes memory result) = signer.staticcall(
      abi.encodeWithSelector(IERC1271.isValidSignature.selector, digest, signature)
    );
    return ok && result.length >= 32 && abi.decode(result, (bytes32)) == bytes32(IERC1271.isValidSignature.selector);
  }

  function _transfer(address from, address to, uint256 value) private {
    require(from != address(0), "ERC20: transfer from the zero address");
    require(to != address(0), "ERC20: transfer to the zero address");
    require(value <= balanceOf[from], "ERC20: transfer amount exceeds balance");
    balanceOf[from] -= value;
    balanceOf[to] += value;
    emit Transfer(from, to, value);
  }
}
